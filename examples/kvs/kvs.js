// The kvs service of kvs.idl: one Map per server. juba runs each method under the lock the
// IDL names, checks results against the IDL types, and saves/loads what packModel gives.
export default function kvs() {
  const data = new Map();
  return {
    put: (key, value) => (data.set(key, value), true),
    get: (key) => data.get(key) ?? null,
    del: (key) => data.delete(key),
    clear: () => (data.clear(), true),

    packModel: () => Object.fromEntries(data),
    unpackModel(saved) {
      if (typeof saved !== 'object' || saved === null) throw new Error('a kvs model is an object of strings');
      data.clear();
      for (const [k, v] of Object.entries(saved)) data.set(k, String(v));
    },
    statusKeys: () => ({ keys: data.size }),
  };
}
