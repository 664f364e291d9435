// Talks to a kvs cluster through its proxy with the client `juba gen` wrote into client/:
//   npx tsx examples/kvs/client-demo.ts 127.0.0.1:9199 kvs1
// Every method is typed from kvs.idl: put(key, value): Promise<boolean>, get(key): Promise<string | null>.
import { KvsClient } from './client/kvs_client.js';

const [where = '127.0.0.1:9199', name = 'kvs1'] = process.argv.slice(2);
const [host, port] = [where.slice(0, where.lastIndexOf(':')), Number(where.slice(where.lastIndexOf(':') + 1))];
const kvs = new KvsClient(host, port, name);
try {
  console.log('put city Kyoto ->', await kvs.put('city', 'Kyoto'));
  console.log('get city ->', await kvs.get('city'));
  console.log('del city ->', await kvs.del('city'));
  console.log('get city ->', await kvs.get('city'));
} finally {
  kvs.close();
}
