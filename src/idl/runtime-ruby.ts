/**
 * The Ruby runtime `juba gen --lang ruby --runtime` writes: `jubatus/common` with the names the
 * official Jubatus Ruby client's generated code uses (Jubatus::Common::ClientBase, Client, Datum,
 * the T* type classes, UnknownMethod, TypeMismatch), on ruby-msgpack and the standard library
 * only. msgpack-rpc over TCP with old-spec raw strings (the packer's compatibility mode), IDL
 * `float` as float32 and `double` as float64, a timeout per call and a reconnect on the next
 * call after a connection failure.
 *
 * Kept as text because it is emitted, not imported; test/e2e/gen-ruby.test.ts checks its
 * syntax and runs it against real servers.
 */

const COMMON = String.raw`require 'jubatus/common/types'
require 'jubatus/common/datum'
require 'jubatus/common/client'
`;

const TYPES = String.raw`module Jubatus
module Common

# A value outside the range its IDL type allows.
class ValueError < StandardError; end

def self.check_type(value, *types)
  unless types.any? { |t| value.is_a?(t) }
    raise TypeError, "type #{types.join(' or ')} is expected, but #{value.class} is given"
  end
end

# A Float that travels as msgpack float32 (IDL float).
class Float32
  attr_reader :value
  def initialize(value)
    @value = value.to_f
  end

  def ==(other)
    other.is_a?(Float32) && other.value == @value
  end
end

class TPrimitive
  def initialize(*types)
    @types = types
  end

  def from_msgpack(m)
    Jubatus::Common.check_type(m, *@types)
    m
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, *@types)
    m
  end
end

class TInt
  def initialize(signed, byts)
    if signed
      @max = (1 << (8 * byts - 1)) - 1
      @min = -(1 << (8 * byts - 1))
    else
      @max = (1 << (8 * byts)) - 1
      @min = 0
    end
  end

  def from_msgpack(m)
    check(m)
  end

  def to_msgpack(m)
    check(m)
  end

  private

  def check(m)
    Jubatus::Common.check_type(m, Integer)
    raise ValueError, "int value out of range [#{@min}, #{@max}]: #{m}" if m < @min || m > @max
    m
  end
end

class TFloat
  def initialize(single = false)
    @single = single
  end

  def from_msgpack(m)
    m = m.value if m.is_a?(Float32)
    Jubatus::Common.check_type(m, Float, Integer)
    m.to_f
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, Float, Integer)
    @single ? Float32.new(m) : m.to_f
  end
end

class TBool < TPrimitive
  def initialize
    super(TrueClass, FalseClass)
  end
end

class TString
  def from_msgpack(m)
    Jubatus::Common.check_type(m, String)
    m.dup.force_encoding(Encoding::UTF_8)
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, String)
    m
  end
end

class TRaw
  def from_msgpack(m)
    Jubatus::Common.check_type(m, String)
    m.dup.force_encoding(Encoding::BINARY)
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, String)
    m
  end
end

class TObject
  def from_msgpack(m)
    m
  end

  def to_msgpack(m)
    m
  end
end

class TNullable
  def initialize(type)
    @type = type
  end

  def from_msgpack(m)
    m.nil? ? nil : @type.from_msgpack(m)
  end

  def to_msgpack(m)
    m.nil? ? nil : @type.to_msgpack(m)
  end
end

class TList
  def initialize(type)
    @type = type
  end

  def from_msgpack(m)
    Jubatus::Common.check_type(m, Array)
    m.map { |v| @type.from_msgpack(v) }
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, Array)
    m.map { |v| @type.to_msgpack(v) }
  end
end

class TMap
  def initialize(key, value)
    @key = key
    @value = value
  end

  def from_msgpack(m)
    Jubatus::Common.check_type(m, Hash)
    m.each_with_object({}) { |(k, v), h| h[@key.from_msgpack(k)] = @value.from_msgpack(v) }
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, Hash)
    m.each_with_object({}) { |(k, v), h| h[@key.to_msgpack(k)] = @value.to_msgpack(v) }
  end
end

class TTuple
  def initialize(*types)
    @types = types
  end

  def from_msgpack(m)
    check(m)
    @types.zip(m).map { |t, v| t.from_msgpack(v) }
  end

  def to_msgpack(m)
    check(m)
    @types.zip(m).map { |t, v| t.to_msgpack(v) }
  end

  private

  def check(m)
    Jubatus::Common.check_type(m, Array)
    raise TypeError, "tuple of #{@types.size} values is expected, but #{m.size} are given" if m.size != @types.size
  end
end

class TUserDef
  def initialize(type)
    @type = type
  end

  def from_msgpack(m)
    @type.from_msgpack(m)
  end

  def to_msgpack(m)
    return m.to_msgpack if m.is_a?(@type)
    return @type::TYPE.to_msgpack(m) if m.is_a?(Array)
    raise TypeError, "type #{@type} or Array is expected, but #{m.class} is given"
  end
end

class TEnum
  def initialize(values)
    @values = values
  end

  def from_msgpack(m)
    check(m)
  end

  def to_msgpack(m)
    check(m)
  end

  private

  def check(m)
    Jubatus::Common.check_type(m, Integer)
    raise ValueError, "unknown enum value: #{m}" unless @values.include?(m)
    m
  end
end

class TDatum
  def from_msgpack(m)
    Datum.from_msgpack(m)
  end

  def to_msgpack(m)
    Jubatus::Common.check_type(m, Datum)
    m.to_msgpack
  end
end

end
end
`;

const DATUM = String.raw`require 'jubatus/common/types'

module Jubatus
module Common

# Datum: the string, number and binary key/value lists every Jubatus engine reads.
class Datum
  TYPE = TTuple.new(TList.new(TTuple.new(TString.new, TString.new)),
                    TList.new(TTuple.new(TString.new, TFloat.new)),
                    TList.new(TTuple.new(TString.new, TRaw.new)))

  attr_reader :string_values, :num_values, :binary_values

  def initialize(values = {})
    @string_values = []
    @num_values = []
    @binary_values = []
    values.each do |k, v|
      case v
      when String
        v.encoding == Encoding::BINARY ? add_binary(k, v) : add_string(k, v)
      when Integer, Float
        add_number(k, v)
      else
        raise TypeError, "unsupported datum value for #{k}: #{v.class}"
      end
    end
  end

  def add_string(key, value)
    Jubatus::Common.check_type(key, String)
    Jubatus::Common.check_type(value, String)
    @string_values << [key, value]
    self
  end

  def add_number(key, value)
    Jubatus::Common.check_type(key, String)
    Jubatus::Common.check_type(value, Integer, Float)
    @num_values << [key, value.to_f]
    self
  end

  def add_binary(key, value)
    Jubatus::Common.check_type(key, String)
    Jubatus::Common.check_type(value, String)
    @binary_values << [key, value]
    self
  end

  def to_msgpack(out = '')
    TYPE.to_msgpack([@string_values, @num_values, @binary_values])
  end

  def self.from_msgpack(m)
    s, n, b = TYPE.from_msgpack(m)
    d = Datum.new
    s.each { |k, v| d.add_string(k, v) }
    n.each { |k, v| d.add_number(k, v) }
    b.each { |k, v| d.add_binary(k, v) }
    d
  end

  def to_s
    "datum{string_values: #{@string_values}, num_values: #{@num_values}, binary_values: #{@binary_values}}"
  end
end

end
end
`;

const CLIENT = String.raw`require 'socket'
require 'msgpack'
require 'jubatus/common/types'

module Jubatus
module Common

NO_METHOD_ERROR = 1
ARGUMENT_ERROR = 2

# The server answered with an error, or the call failed locally (timeout, connection).
class RPCError < StandardError
  attr_reader :error
  def initialize(error)
    super(error.to_s)
    @error = error
  end
end

class TimeoutError < RPCError; end

class InterfaceMismatch < StandardError; end
# The server has no such method (wire error 1).
class UnknownMethod < InterfaceMismatch; end
# The server could not read the arguments as the method's types (wire error 2).
class TypeMismatch < InterfaceMismatch; end

# One TCP connection, reopened on the next call after a failure; calls are serialized.
class RpcConnection
  def initialize(host, port, timeout)
    @host = host
    @port = port
    @timeout = timeout
    @sock = nil
    @msgid = 0
    @lock = Mutex.new
  end

  def close
    @sock.close if @sock
  rescue IOError
    nil
  ensure
    @sock = nil
  end

  def call(method, params)
    @lock.synchronize do
      connect if @sock.nil?
      @msgid = (@msgid + 1) & 0xffffffff
      msgid = @msgid
      packer = MessagePack::Packer.new(compatibility_mode: true)
      pack(packer, [0, msgid, method, params])
      begin
        @sock.write(packer.to_s)
        loop do
          raise TimeoutError, 'request timed out' unless IO.select([@sock], nil, nil, @timeout)
          data = @sock.readpartial(65536)
          @unpacker.feed_each(data) do |msg|
            return [msg[2], msg[3]] if msg.is_a?(Array) && msg.size == 4 && msg[0] == 1 && msg[1] == msgid
          end
        end
      rescue RPCError
        close
        raise
      rescue EOFError
        close
        raise RPCError, 'connection closed by the server'
      rescue SystemCallError, IOError => e
        close
        raise RPCError, "connection failed: #{e.message}"
      end
    end
  end

  private

  def connect
    @sock = Socket.tcp(@host, @port, connect_timeout: @timeout)
    @sock.setsockopt(Socket::IPPROTO_TCP, Socket::TCP_NODELAY, 1)
    @unpacker = MessagePack::Unpacker.new
  rescue Errno::ETIMEDOUT
    @sock = nil
    raise TimeoutError, 'connect timed out'
  rescue SystemCallError, SocketError => e
    @sock = nil
    raise RPCError, "connect failed: #{e.message}"
  end

  # Float32 needs msgpack's 0xca, which the packer's write cannot choose per value.
  def pack(packer, v)
    case v
    when Float32
      packer.write_float32(v.value)
    when Array
      packer.write_array_header(v.size)
      v.each { |e| pack(packer, e) }
    when Hash
      packer.write_map_header(v.size)
      v.each do |k, e|
        pack(packer, k)
        pack(packer, e)
      end
    else
      packer.write(v)
    end
  end
end

# Calls one method: the cluster name first, then the arguments checked against their types.
class Client
  attr_accessor :name

  def initialize(client, name)
    @client = client
    @name = name
  end

  def call(method, args, ret_type, args_type)
    if args.size != args_type.size
      raise ArgumentError, "#{method} takes #{args_type.size} arguments, but #{args.size} are given"
    end
    values = [TString.new.to_msgpack(@name)]
    args.zip(args_type).each { |v, t| values << t.to_msgpack(v) }
    error, result = @client.call(method, values)
    unless error.nil?
      raise UnknownMethod, method if error == NO_METHOD_ERROR
      raise TypeMismatch, method if error == ARGUMENT_ERROR
      raise RPCError, (error.is_a?(String) ? error.dup.force_encoding(Encoding::UTF_8) : error)
    end
    ret_type.nil? ? nil : ret_type.from_msgpack(result)
  end
end

# What every generated client has: the built-in methods and the cluster name.
class ClientBase
  STATUS = TMap.new(TString.new, TMap.new(TString.new, TString.new))

  def initialize(host, port, name, timeout_sec = 10)
    TString.new.to_msgpack(name)
    @cli = RpcConnection.new(host, port, timeout_sec)
    @jubatus_client = Client.new(@cli, name)
  end

  def get_client
    @cli
  end

  def close
    @cli.close
  end

  def get_name
    @jubatus_client.name
  end

  def set_name(new_name)
    TString.new.to_msgpack(new_name)
    @jubatus_client.name = new_name
  end

  def get_config
    @jubatus_client.call('get_config', [], TString.new, [])
  end

  def save(id)
    @jubatus_client.call('save', [id], TMap.new(TString.new, TString.new), [TString.new])
  end

  def load(id)
    @jubatus_client.call('load', [id], TBool.new, [TString.new])
  end

  def get_status
    @jubatus_client.call('get_status', [], STATUS, [])
  end

  def do_mix
    @jubatus_client.call('do_mix', [], TBool.new, [])
  end

  def get_proxy_status
    @jubatus_client.call('get_proxy_status', [], STATUS, [])
  end
end

end
end
`;

/** The runtime files, relative to the output folder. */
export const RUBY_RUNTIME: ReadonlyArray<{ path: string; text: string }> = [
  { path: 'jubatus/common.rb', text: COMMON },
  { path: 'jubatus/common/types.rb', text: TYPES },
  { path: 'jubatus/common/datum.rb', text: DATUM },
  { path: 'jubatus/common/client.rb', text: CLIENT },
];
