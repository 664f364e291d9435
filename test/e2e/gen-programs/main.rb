# The gen-ruby live test's program: the scenario of test/e2e/gen-live.ts through the
# generated clients, printed as one JSON object.
require 'json'
require 'jubatus/nearest_neighbor/client'
require 'jubatus/kvs/client'

nn_port, kvs_port, kvs_name, tag, silent_port = ARGV[0].to_i, ARGV[1].to_i, ARGV[2], ARGV[3], ARGV[4].to_i
include Jubatus::Common

def attempt
  yield
  'no error'
rescue Jubatus::Common::UnknownMethod
  'unknown_method'
rescue Jubatus::Common::TypeMismatch
  'type_mismatch'
rescue Jubatus::Common::RPCError => e
  "rpc_error: #{e.error}"
rescue TypeError, Jubatus::Common::ValueError
  'local_type_error'
end

def point(x, y)
  Datum.new('x' => x, 'y' => y)
end

def scored(rs)
  raise 'not IdWithScore' unless rs.all? { |r| r.is_a?(Jubatus::NearestNeighbor::IdWithScore) }
  rs.map { |r| [r.id, r.score] }
end

nn = Jubatus::NearestNeighbor::Client::NearestNeighbor.new('127.0.0.1', nn_port, "gen_#{tag}", 10)
n = {}
n['clear'] = nn.clear
n['set'] = [nn.set_row('a', point(1, 2)), nn.set_row('b', point(1, 2.2)), nn.set_row('c', point(-4, 1))]
n['similar'] = scored(nn.similar_row_from_id('a', 3))
n['neighbors'] = nn.neighbor_row_from_datum(point(1, 2), 1).map(&:id)
status = nn.get_status
n['status'] = { 'servers' => status.size, 'type' => status.values[0]['type'] }
n['save'] = nn.save("rb_#{tag}").size
n['clear_again'] = nn.clear
n['rows_cleared'] = nn.get_all_rows.sort
n['load'] = nn.load("rb_#{tag}")
n['rows'] = nn.get_all_rows.sort
n['similar_loaded'] = scored(nn.similar_row_from_id('a', 3))
n['do_mix'] = attempt { nn.do_mix }
n['load_missing'] = attempt { nn.load('no_such_model') }
n['bad_arg_local'] = attempt { nn.set_row(1, point(0, 0)) }
n['bad_arg_server'] = attempt { nn.get_client && nn.instance_variable_get(:@jubatus_client).call('set_row', [1], TBool.new, [TInt.new(true, 4)]) }
nn.close
n['reconnect'] = nn.get_all_rows.sort == %w[a b c] ? 'ok' : 'lost rows'
n['timeout'] = attempt { Jubatus::NearestNeighbor::Client::NearestNeighbor.new('127.0.0.1', silent_port, 'x', 1).get_config }

kvs = Jubatus::Kvs::Client::Kvs.new('127.0.0.1', kvs_port, kvs_name)
k = {}
k['put'] = kvs.put('city', "Kyoto \u2713")
k['get'] = kvs.get('city')
k['del'] = kvs.del('city')
k['get_deleted'] = kvs.get('city')
k['del_again'] = kvs.del('city')
k['servers'] = kvs.get_status.size
k['name'] = kvs.get_name
puts JSON.generate('nn' => n, 'kvs' => k)
