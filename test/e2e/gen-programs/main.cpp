// The gen-cpp live test's program: the scenario of test/e2e/gen-live.ts through the
// generated clients, printed as one JSON object.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <jubatus/client/kvs_client.hpp>
#include <jubatus/client/nearest_neighbor_client.hpp>

namespace {

std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string b(bool v) { return v ? "true" : "false"; }

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string strings(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + q(v[i]);
  return out + "]";
}

std::string scored(const std::vector<jubatus::nearest_neighbor::id_with_score>& rs) {
  std::string out = "[";
  for (size_t i = 0; i < rs.size(); ++i) out += std::string(i ? "," : "") + "[" + q(rs[i].id) + "," + num(rs[i].score) + "]";
  return out + "]";
}

std::string attempt(const std::function<void()>& f) {
  try {
    f();
    return q("no error");
  } catch (const msgpack::rpc::no_method_error&) {
    return q("unknown_method");
  } catch (const msgpack::rpc::argument_error&) {
    return q("type_mismatch");
  } catch (const msgpack::rpc::rpc_error& e) {
    return q(std::string("rpc_error: ") + e.what());
  }
}

jubatus::client::common::datum point(double x, double y) {
  jubatus::client::common::datum d;
  d.add_number("x", x).add_number("y", y);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  const uint64_t nn_port = std::strtoull(argv[1], nullptr, 10);
  const uint64_t kvs_port = std::strtoull(argv[2], nullptr, 10);
  const std::string kvs_name = argv[3];
  const std::string tag = argv[4];
  const uint64_t silent_port = std::strtoull(argv[5], nullptr, 10);

  jubatus::nearest_neighbor::client::nearest_neighbor nn("127.0.0.1", nn_port, "gen_" + tag, 10);
  std::ostringstream n;
  n << "{\"clear\":" << b(nn.clear());
  n << ",\"set\":[" << b(nn.set_row("a", point(1, 2))) << "," << b(nn.set_row("b", point(1, 2.2))) << "," << b(nn.set_row("c", point(-4, 1))) << "]";
  n << ",\"similar\":" << scored(nn.similar_row_from_id("a", 3));
  std::vector<std::string> ids;
  for (const auto& r : nn.neighbor_row_from_datum(point(1, 2), 1)) ids.push_back(r.id);
  n << ",\"neighbors\":" << strings(ids);
  auto status = nn.get_status();
  n << ",\"status\":{\"servers\":" << status.size() << ",\"type\":" << q(status.begin()->second["type"]) << "}";
  n << ",\"save\":" << nn.save("cpp_" + tag).size();
  n << ",\"clear_again\":" << b(nn.clear());
  n << ",\"rows_cleared\":" << strings(nn.get_all_rows());
  n << ",\"load\":" << b(nn.load("cpp_" + tag));
  n << ",\"rows\":" << strings(nn.get_all_rows());
  n << ",\"similar_loaded\":" << scored(nn.similar_row_from_id("a", 3));
  n << ",\"do_mix\":" << attempt([&] { nn.do_mix(); });
  n << ",\"load_missing\":" << attempt([&] { nn.load("no_such_model"); });
  n << ",\"bad_arg_local\":" << q("compile-time");
  n << ",\"bad_arg_server\":" << attempt([&] { nn.get_client().call("set_row", nn.get_name(), 1).get<bool>(); });
  nn.get_client().close();
  n << ",\"reconnect\":" << q(nn.get_all_rows().size() == 3 ? "ok" : "lost rows");
  n << ",\"timeout\":" << attempt([&] { jubatus::nearest_neighbor::client::nearest_neighbor("127.0.0.1", silent_port, "x", 1).get_config(); });
  n << "}";

  jubatus::kvs::client::kvs kvs("127.0.0.1", kvs_port, kvs_name, 10);
  std::ostringstream k;
  k << "{\"put\":" << b(kvs.put("city", "Kyoto \xe2\x9c\x93"));
  auto got = kvs.get("city");
  k << ",\"get\":" << (got ? q(*got) : "null");
  k << ",\"del\":" << b(kvs.del("city"));
  got = kvs.get("city");
  k << ",\"get_deleted\":" << (got ? q(*got) : "null");
  k << ",\"del_again\":" << b(kvs.del("city"));
  k << ",\"servers\":" << kvs.get_status().size();
  k << ",\"name\":" << q(kvs.get_name()) << "}";
  std::cout << "{\"nn\":" << n.str() << ",\"kvs\":" << k.str() << "}" << std::endl;
  return 0;
}
