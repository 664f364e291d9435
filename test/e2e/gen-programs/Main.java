// The gen-java live test's program: the scenario of test/e2e/gen-live.ts through the
// generated clients, printed as one JSON object.
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import us.jubat.common.Datum;
import us.jubat.common.RPCError;
import us.jubat.common.TypeMismatch;
import us.jubat.common.UnknownMethod;
import us.jubat.common.type.TBool;
import us.jubat.common.type.TInt;
import us.jubat.kvs.KvsClient;
import us.jubat.nearest_neighbor.IdWithScore;
import us.jubat.nearest_neighbor.NearestNeighborClient;

public class Main {
  static String q(String s) {
    return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String strings(List<String> v) {
    List<String> s = new ArrayList<String>(v);
    Collections.sort(s);
    List<String> out = new ArrayList<String>();
    for (String e : s) out.add(q(e));
    return "[" + String.join(",", out) + "]";
  }

  static String scored(List<IdWithScore> rs) {
    List<String> out = new ArrayList<String>();
    for (IdWithScore r : rs) out.add("[" + q(r.id) + "," + r.score + "]");
    return "[" + String.join(",", out) + "]";
  }

  static String attempt(Runnable r) {
    try {
      r.run();
      return q("no error");
    } catch (UnknownMethod e) {
      return q("unknown_method");
    } catch (TypeMismatch e) {
      return q("type_mismatch");
    } catch (RPCError e) {
      return q("rpc_error: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return q("local_type_error");
    }
  }

  static Datum point(double x, double y) {
    return new Datum().addNumber("x", x).addNumber("y", y);
  }

  /** Calls set_row with an int where the IDL says string: the client refuses, or (raw) the server does. */
  static class Raw extends NearestNeighborClient {
    Raw(String host, int port, String name) {
      super(host, port, name, 10);
    }

    void badServer() {
      call("set_row", TBool.instance, new Object[] {1}, TInt.INT);
    }
  }

  public static void main(String[] args) {
    int nnPort = Integer.parseInt(args[0]);
    int kvsPort = Integer.parseInt(args[1]);
    String kvsName = args[2];
    String tag = args[3];
    int silentPort = Integer.parseInt(args[4]);

    Raw nn = new Raw("127.0.0.1", nnPort, "gen_" + tag);
    StringBuilder n = new StringBuilder();
    n.append("{\"clear\":").append(nn.clear());
    n.append(",\"set\":[").append(nn.setRow("a", point(1, 2))).append(",").append(nn.setRow("b", point(1, 2.2))).append(",").append(nn.setRow("c", point(-4, 1))).append("]");
    n.append(",\"similar\":").append(scored(nn.similarRowFromId("a", 3)));
    List<String> ids = new ArrayList<String>();
    for (IdWithScore r : nn.neighborRowFromDatum(point(1, 2), 1)) ids.add(r.id);
    n.append(",\"neighbors\":").append(strings(ids));
    Map<String, Map<String, String>> status = nn.getStatus();
    n.append(",\"status\":{\"servers\":").append(status.size()).append(",\"type\":").append(q(status.values().iterator().next().get("type"))).append("}");
    n.append(",\"save\":").append(nn.save("java_" + tag).size());
    n.append(",\"clear_again\":").append(nn.clear());
    n.append(",\"rows_cleared\":").append(strings(nn.getAllRows()));
    n.append(",\"load\":").append(nn.load("java_" + tag));
    n.append(",\"rows\":").append(strings(nn.getAllRows()));
    n.append(",\"similar_loaded\":").append(scored(nn.similarRowFromId("a", 3)));
    n.append(",\"do_mix\":").append(attempt(() -> nn.doMix()));
    n.append(",\"load_missing\":").append(attempt(() -> nn.load("no_such_model")));
    n.append(",\"bad_arg_local\":").append(attempt(() -> nn.similarRowFromId("a", -1)));
    n.append(",\"bad_arg_server\":").append(attempt(() -> nn.badServer()));
    nn.close();
    n.append(",\"reconnect\":").append(q(nn.getAllRows().size() == 3 ? "ok" : "lost rows"));
    n.append(",\"timeout\":").append(attempt(() -> new NearestNeighborClient("127.0.0.1", silentPort, "x", 1).getConfig()));
    n.append("}");
    nn.close();

    KvsClient kvs = new KvsClient("127.0.0.1", kvsPort, kvsName, 10);
    StringBuilder k = new StringBuilder();
    k.append("{\"put\":").append(kvs.put("city", "Kyoto \u2713"));
    k.append(",\"get\":").append(q(kvs.get("city")));
    k.append(",\"del\":").append(kvs.del("city"));
    k.append(",\"get_deleted\":").append(q(kvs.get("city")));
    k.append(",\"del_again\":").append(kvs.del("city"));
    k.append(",\"servers\":").append(kvs.getStatus().size());
    k.append(",\"name\":").append(q(kvs.getName())).append("}");
    kvs.close();
    System.out.println("{\"nn\":" + n + ",\"kvs\":" + k + "}");
  }
}
