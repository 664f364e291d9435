/**
 * The C++ runtime `juba gen --lang cpp --runtime` writes: header-only
 * `jubatus/client/common/{rpc,datum,client}.hpp` with the names the official Jubatus C++
 * client's generated headers use (jubatus::client::common::client with `c_` and `name_`,
 * jubatus::client::common::datum, and msgpack::rpc's future and error classes), on
 * libmsgpack-cxx-dev and POSIX sockets only. msgpack-rpc over TCP; values are packed by a
 * packer of its own that MSGPACK_DEFINE'd types drive, so strings go out as old-spec raw,
 * `float` as float32 and `double` as float64; answers are converted with msgpack-c's adaptors.
 * A timeout per call (socket options) and a reconnect on the next call after a failure.
 *
 * Kept as text because it is emitted, not imported; test/e2e/gen-cpp.test.ts compiles it with
 * g++ -std=c++17 -Wall -Werror and runs it against real servers.
 */

const RPC = String.raw`#ifndef JUBATUS_CLIENT_COMMON_RPC_HPP_
#define JUBATUS_CLIENT_COMMON_RPC_HPP_

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if !defined(MSGPACK_NO_BOOST) && !__has_include(<boost/version.hpp>)
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

namespace msgpack {
namespace rpc {

// Every failure of a call: an error answer of the server, or a local one.
class rpc_error : public std::runtime_error {
 public:
  explicit rpc_error(const std::string& what) : std::runtime_error(what) {}
};

// The server has no such method (wire error 1).
class no_method_error : public rpc_error {
 public:
  explicit no_method_error(const std::string& method) : rpc_error("no method: " + method) {}
};

// The server could not read the arguments as the method's types (wire error 2).
class argument_error : public rpc_error {
 public:
  explicit argument_error(const std::string& method) : rpc_error("argument error: " + method) {}
};

// Any other error answer; what() is the server's message.
class remote_error : public rpc_error {
 public:
  explicit remote_error(const std::string& message) : rpc_error(message) {}
};

class timeout_error : public rpc_error {
 public:
  timeout_error() : rpc_error("request timed out") {}
};

class connect_error : public rpc_error {
 public:
  explicit connect_error(const std::string& what) : rpc_error("connect failed: " + what) {}
};

// Packs values as Jubatus servers read them: strings as old-spec raw, float as float32,
// double as float64, MSGPACK_DEFINE'd types as arrays in field order.
class wire_packer {
 public:
  explicit wire_packer(msgpack::sbuffer& buf) : pk_(buf) {}

  wire_packer& pack_array(uint32_t n) {
    pk_.pack_array(n);
    return *this;
  }
  wire_packer& pack_map(uint32_t n) {
    pk_.pack_map(n);
    return *this;
  }
  wire_packer& pack(const std::string& s) {
    pk_.pack_v4raw(static_cast<uint32_t>(s.size()));
    pk_.pack_v4raw_body(s.data(), static_cast<uint32_t>(s.size()));
    return *this;
  }
  wire_packer& pack(const char* s) { return pack(std::string(s)); }
  wire_packer& pack(bool b) {
    pk_.pack(b);
    return *this;
  }
  wire_packer& pack(float f) {
    pk_.pack_float(f);
    return *this;
  }
  wire_packer& pack(double d) {
    pk_.pack_double(d);
    return *this;
  }
  template <typename T>
  typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, bool>::value, wire_packer&>::type
  pack(T v) {
    pk_.pack(v);
    return *this;
  }
  template <typename T>
  typename std::enable_if<std::is_enum<T>::value, wire_packer&>::type pack(T v) {
    pk_.pack(static_cast<int64_t>(v));
    return *this;
  }
  template <typename T>
  wire_packer& pack(const std::vector<T>& v) {
    pk_.pack_array(static_cast<uint32_t>(v.size()));
    for (const T& e : v) pack(e);
    return *this;
  }
  template <typename K, typename V>
  wire_packer& pack(const std::map<K, V>& m) {
    pk_.pack_map(static_cast<uint32_t>(m.size()));
    for (const auto& kv : m) {
      pack(kv.first);
      pack(kv.second);
    }
    return *this;
  }
  template <typename A, typename B>
  wire_packer& pack(const std::pair<A, B>& p) {
    pk_.pack_array(2);
    pack(p.first);
    pack(p.second);
    return *this;
  }
  template <typename T>
  wire_packer& pack(const std::optional<T>& o) {
    if (o) {
      pack(*o);
    } else {
      pk_.pack_nil();
    }
    return *this;
  }
  wire_packer& pack(const msgpack::object& o) {
    pk_.pack(o);
    return *this;
  }
  template <typename T>
  auto pack(const T& v) -> decltype(v.msgpack_pack(std::declval<wire_packer&>()), std::declval<wire_packer&>()) {
    v.msgpack_pack(*this);
    return *this;
  }

 private:
  msgpack::packer<msgpack::sbuffer> pk_;
};

// The answer of one call; get<T>() converts the result or throws the call's error.
class future {
 public:
  future(std::shared_ptr<msgpack::object_handle> result, std::string method)
      : result_(std::move(result)), method_(std::move(method)) {}

  template <typename T>
  T get() const {
    T value;
    try {
      result_->get().convert(value);
    } catch (const msgpack::type_error&) {
      throw rpc_error("unexpected result type of " + method_);
    }
    return value;
  }

 private:
  std::shared_ptr<msgpack::object_handle> result_;
  std::string method_;
};

// A void method's answer carries nothing to convert.
template <>
inline void future::get<void>() const {}

// One TCP connection, opened on first use and again after any failure.
class client {
 public:
  client(const std::string& host, uint64_t port, unsigned int timeout_sec)
      : host_(host), port_(port), timeout_sec_(timeout_sec) {}
  ~client() { close(); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  void set_timeout(unsigned int sec) { timeout_sec_ = sec; }

  // Sends method with params (packed in order) and waits for its answer.
  template <typename... Args>
  future call(const std::string& method, const Args&... params) {
    msgpack::sbuffer buf;
    wire_packer pk(buf);
    uint32_t id = ++msgid_;
    pk.pack_array(4);
    pk.pack(0);
    pk.pack(id);
    pk.pack(method);
    pk.pack_array(static_cast<uint32_t>(sizeof...(Args)));
    int expand[] = {0, (pk.pack(params), 0)...};
    (void)expand;
    return exchange(method, id, buf);
  }

 private:
  void connect() {
    struct addrinfo hints;
    std::memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res);
    if (rc != 0) throw connect_error(::gai_strerror(rc));
    std::string why = "no address";
    for (struct addrinfo* a = res; a != nullptr; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd < 0) continue;
      struct timeval tv;
      tv.tv_sec = timeout_sec_;
      tv.tv_usec = 0;
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        break;
      }
      why = std::strerror(errno);
      ::close(fd);
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) throw connect_error(why);
    unpacker_.reset(new msgpack::unpacker());
  }

  future exchange(const std::string& method, uint32_t id, const msgpack::sbuffer& buf) {
    if (fd_ < 0) connect();
    const char* p = buf.data();
    size_t left = buf.size();
    while (left > 0) {
      ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (n < 0) fail();
      p += n;
      left -= static_cast<size_t>(n);
    }
    for (;;) {
      auto oh = std::make_shared<msgpack::object_handle>();
      while (unpacker_->next(*oh)) {
        const msgpack::object& o = oh->get();
        if (o.type != msgpack::type::ARRAY || o.via.array.size != 4) continue;
        const msgpack::object* r = o.via.array.ptr;
        if (r[0].type != msgpack::type::POSITIVE_INTEGER || r[0].via.u64 != 1) continue;
        if (r[1].type != msgpack::type::POSITIVE_INTEGER || r[1].via.u64 != id) continue;
        check_error(method, r[2]);
        auto result = std::make_shared<msgpack::object_handle>(r[3], std::move(oh->zone()));
        return future(result, method);
      }
      unpacker_->reserve_buffer(65536);
      ssize_t n = ::recv(fd_, unpacker_->buffer(), unpacker_->buffer_capacity(), 0);
      if (n == 0) {
        close();
        throw rpc_error("connection closed by the server");
      }
      if (n < 0) fail();
      unpacker_->buffer_consumed(static_cast<size_t>(n));
    }
  }

  [[noreturn]] void fail() {
    int e = errno;
    close();
    if (e == EAGAIN || e == EWOULDBLOCK) throw timeout_error();
    throw rpc_error(std::string("connection failed: ") + std::strerror(e));
  }

  static void check_error(const std::string& method, const msgpack::object& e) {
    switch (e.type) {
      case msgpack::type::NIL:
        return;
      case msgpack::type::POSITIVE_INTEGER:
        if (e.via.u64 == 1) throw no_method_error(method);
        if (e.via.u64 == 2) throw argument_error(method);
        throw remote_error("error " + std::to_string(e.via.u64));
      case msgpack::type::STR:
        throw remote_error(std::string(e.via.str.ptr, e.via.str.size));
      case msgpack::type::BIN:
        throw remote_error(std::string(e.via.bin.ptr, e.via.bin.size));
      default:
        throw remote_error("remote error");
    }
  }

  std::string host_;
  uint64_t port_;
  unsigned int timeout_sec_;
  int fd_ = -1;
  uint32_t msgid_ = 0;
  std::unique_ptr<msgpack::unpacker> unpacker_;
};

}  // namespace rpc
}  // namespace msgpack

#endif  // JUBATUS_CLIENT_COMMON_RPC_HPP_
`;

const DATUM = String.raw`#ifndef JUBATUS_CLIENT_COMMON_DATUM_HPP_
#define JUBATUS_CLIENT_COMMON_DATUM_HPP_

#include <string>
#include <utility>
#include <vector>

#if !defined(MSGPACK_NO_BOOST) && !__has_include(<boost/version.hpp>)
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

namespace jubatus {
namespace client {
namespace common {

// The string, number and binary key/value lists every Jubatus engine reads.
struct datum {
  datum& add_string(const std::string& key, const std::string& value) {
    string_values.push_back(std::make_pair(key, value));
    return *this;
  }
  datum& add_number(const std::string& key, double value) {
    num_values.push_back(std::make_pair(key, value));
    return *this;
  }
  datum& add_binary(const std::string& key, const std::string& value) {
    binary_values.push_back(std::make_pair(key, value));
    return *this;
  }

  std::vector<std::pair<std::string, std::string> > string_values;
  std::vector<std::pair<std::string, double> > num_values;
  std::vector<std::pair<std::string, std::string> > binary_values;

  MSGPACK_DEFINE(string_values, num_values, binary_values);
};

}  // namespace common
}  // namespace client
}  // namespace jubatus

#endif  // JUBATUS_CLIENT_COMMON_DATUM_HPP_
`;

const CLIENT = String.raw`#ifndef JUBATUS_CLIENT_COMMON_CLIENT_HPP_
#define JUBATUS_CLIENT_COMMON_CLIENT_HPP_

#include <cstdint>
#include <map>
#include <string>

#include "rpc.hpp"
#include "datum.hpp"

namespace jubatus {
namespace client {
namespace common {

// What every generated client has: the connection c_, the cluster name name_, the built-ins.
class client {
 public:
  client(const std::string& host, uint64_t port, const std::string& name, unsigned int timeout_sec)
      : c_(host, port, timeout_sec), name_(name) {}
  virtual ~client() {}

  msgpack::rpc::client& get_client() { return c_; }

  std::string get_config() {
    msgpack::rpc::future f = c_.call("get_config", name_);
    return f.get<std::string>();
  }

  std::map<std::string, std::string> save(const std::string& id) {
    msgpack::rpc::future f = c_.call("save", name_, id);
    return f.get<std::map<std::string, std::string> >();
  }

  bool load(const std::string& id) {
    msgpack::rpc::future f = c_.call("load", name_, id);
    return f.get<bool>();
  }

  std::map<std::string, std::map<std::string, std::string> > get_status() {
    msgpack::rpc::future f = c_.call("get_status", name_);
    return f.get<std::map<std::string, std::map<std::string, std::string> > >();
  }

  bool do_mix() {
    msgpack::rpc::future f = c_.call("do_mix", name_);
    return f.get<bool>();
  }

  std::map<std::string, std::map<std::string, std::string> > get_proxy_status() {
    msgpack::rpc::future f = c_.call("get_proxy_status", name_);
    return f.get<std::map<std::string, std::map<std::string, std::string> > >();
  }

  std::string get_name() const { return name_; }
  void set_name(const std::string& new_name) { name_ = new_name; }

 protected:
  msgpack::rpc::client c_;
  std::string name_;
};

}  // namespace common
}  // namespace client
}  // namespace jubatus

#endif  // JUBATUS_CLIENT_COMMON_CLIENT_HPP_
`;

/** The runtime files, relative to the output folder. */
export const CPP_RUNTIME: ReadonlyArray<{ path: string; text: string }> = [
  { path: 'jubatus/client/common/rpc.hpp', text: RPC },
  { path: 'jubatus/client/common/datum.hpp', text: DATUM },
  { path: 'jubatus/client/common/client.hpp', text: CLIENT },
];
