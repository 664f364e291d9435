# The gen-python live test's program: the scenario of test/e2e/gen-live.ts through the
# generated clients, printed as one JSON object.
import json
import sys

import jubatus.common
from jubatus.common import Datum, TString, TInt, TBool
from jubatus.kvs.client import Kvs
from jubatus.nearest_neighbor.client import NearestNeighbor
from jubatus.nearest_neighbor.types import IdWithScore

nn_port, kvs_port, kvs_name, tag, silent_port = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])


def attempt(f):
    try:
        f()
        return 'no error'
    except jubatus.common.UnknownMethod:
        return 'unknown_method'
    except jubatus.common.TypeMismatch:
        return 'type_mismatch'
    except jubatus.common.RPCError as e:
        return 'rpc_error: %s' % e.error
    except (TypeError, ValueError) as e:
        return 'local_type_error'


def point(x, y):
    return Datum({'x': x, 'y': y})


def scored(rs):
    assert all(isinstance(r, IdWithScore) for r in rs)
    return [[r.id, r.score] for r in rs]


nn = NearestNeighbor('127.0.0.1', nn_port, 'gen_' + tag, 10)
n = {}
n['clear'] = nn.clear()
n['set'] = [nn.set_row('a', point(1, 2)), nn.set_row('b', point(1, 2.2)), nn.set_row('c', point(-4, 1))]
n['similar'] = scored(nn.similar_row_from_id('a', 3))
n['neighbors'] = [r.id for r in nn.neighbor_row_from_datum(point(1, 2), 1)]
status = nn.get_status()
n['status'] = {'servers': len(status), 'type': list(status.values())[0]['type']}
n['save'] = len(nn.save('py_' + tag))
n['clear_again'] = nn.clear()
n['rows_cleared'] = sorted(nn.get_all_rows())
n['load'] = nn.load('py_' + tag)
n['rows'] = sorted(nn.get_all_rows())
n['similar_loaded'] = scored(nn.similar_row_from_id('a', 3))
n['do_mix'] = attempt(lambda: nn.do_mix())
n['load_missing'] = attempt(lambda: nn.load('no_such_model'))
n['bad_arg_local'] = attempt(lambda: nn.set_row(1, point(0, 0)))
n['bad_arg_server'] = attempt(lambda: nn.jubatus_client.call('set_row', [1], TBool(), [TInt(True, 4)]))
nn.get_client().close()
n['reconnect'] = 'ok' if sorted(nn.get_all_rows()) == ['a', 'b', 'c'] else 'lost rows'
n['timeout'] = attempt(lambda: NearestNeighbor('127.0.0.1', silent_port, 'x', 1).get_config())

kvs = Kvs('127.0.0.1', kvs_port, kvs_name)
k = {}
k['put'] = kvs.put('city', 'Kyoto \u2713')
k['get'] = kvs.get('city')
k['del'] = kvs.del_('city')
k['get_deleted'] = kvs.get('city')
k['del_again'] = kvs.del_('city')
k['servers'] = len(kvs.get_status())
k['name'] = kvs.get_name()
print(json.dumps({'nn': n, 'kvs': k}))
