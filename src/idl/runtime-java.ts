/**
 * The Java runtime `juba gen --lang java --runtime` writes: packages `us.jubat.common` (Datum,
 * ClientBase with the built-ins, UnknownMethod / TypeMismatch / RPCError, UserDefinedMessage)
 * and `us.jubat.common.type` (one TType per IDL type, checking, packing and reading values), on
 * Debian's libmsgpack-java (msgpack-core) and the JDK only. msgpack-rpc over TCP with old-spec
 * raw strings (str8 off), `float` as float32 and `double` as float64, a socket timeout per call
 * and a reconnect on the next call after a connection failure.
 *
 * Kept as text because it is emitted, not imported; test/e2e/gen-java.test.ts compiles it with
 * javac and runs it against real servers.
 */

const T = 'us/jubat/common/type';
const C = 'us/jubat/common';

const TYPE_IMPORTS = `import java.io.IOException;

import org.msgpack.core.MessagePacker;
import org.msgpack.value.Value;
`;

/** One integer TType class over a boxed Java type, with IDL ranges as constants. */
function intType(cls: string, boxed: string, constants: string, pack: string, read: string): string {
  return String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL integers held in a Java ${boxed.toLowerCase()}; each constant checks its IDL range. */
public final class ${cls} implements TType<${boxed}> {
${constants}
  private final long min;
  private final long max;

  private ${cls}(long min, long max) {
    this.min = min;
    this.max = max;
  }

  @Override
  public ${boxed} check(Object v) {
    if (!(v instanceof ${boxed})) {
      throw new IllegalArgumentException("${boxed} expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    long x = ((${boxed}) v).longValue();
    if (x < min || x > max) {
      throw new IllegalArgumentException("value out of range [" + min + ", " + max + "]: " + x);
    }
    return (${boxed}) v;
  }

  @Override
  public void pack(MessagePacker pk, ${boxed} v) throws IOException {
    ${pack}
  }

  @Override
  public ${boxed} revert(Value v) {
    if (!v.isIntegerValue()) {
      throw new TypeMismatchError("integer expected, but " + v.getValueType() + " given");
    }
    ${read}
  }
}
`;
}

const FILES: Record<string, string> = {
  [`${T}/TType.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** How values of one IDL type are checked, packed and read back. */
public interface TType<T> {
  /** The value as a T, or IllegalArgumentException when it is not one (or out of range). */
  T check(Object v);

  void pack(MessagePacker pk, T v) throws IOException;

  /** The received value as a T, or TypeMismatchError. */
  T revert(Value v);

  /** Checks v, then packs it. */
  default void packChecked(MessagePacker pk, Object v) throws IOException {
    pack(pk, check(v));
  }
}
`,
  [`${T}/TypeMismatchError.java`]: String.raw`package us.jubat.common.type;

/** A value read from the server is not of the type the IDL declares. */
public class TypeMismatchError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TypeMismatchError(String message) {
    super(message);
  }
}
`,
  [`${T}/TByte.java`]: intType('TByte', 'Byte',
    '  /** IDL byte. */\n  public static final TByte BYTE = new TByte(Byte.MIN_VALUE, Byte.MAX_VALUE);\n',
    'pk.packByte(v);',
    'if (!v.asIntegerValue().isInByteRange()) {\n      throw new TypeMismatchError("byte out of range: " + v);\n    }\n    return check(v.asIntegerValue().asByte());'),
  [`${T}/TShort.java`]: intType('TShort', 'Short',
    '  /** IDL short. */\n  public static final TShort SHORT = new TShort(Short.MIN_VALUE, Short.MAX_VALUE);\n' +
      '  /** IDL ubyte. */\n  public static final TShort UBYTE = new TShort(0, 255);\n',
    'pk.packShort(v);',
    'if (!v.asIntegerValue().isInShortRange()) {\n      throw new TypeMismatchError("short out of range: " + v);\n    }\n    return check(v.asIntegerValue().asShort());'),
  [`${T}/TInt.java`]: intType('TInt', 'Integer',
    '  /** IDL int. */\n  public static final TInt INT = new TInt(Integer.MIN_VALUE, Integer.MAX_VALUE);\n' +
      '  /** IDL ushort. */\n  public static final TInt USHORT = new TInt(0, 65535);\n',
    'pk.packInt(v);',
    'if (!v.asIntegerValue().isInIntRange()) {\n      throw new TypeMismatchError("int out of range: " + v);\n    }\n    return check(v.asIntegerValue().asInt());'),
  [`${T}/TLong.java`]: intType('TLong', 'Long',
    '  /** IDL long. */\n  public static final TLong LONG = new TLong(Long.MIN_VALUE, Long.MAX_VALUE);\n' +
      '  /** IDL uint. */\n  public static final TLong UINT = new TLong(0, 4294967295L);\n' +
      '  /**\n   * IDL ulong, which Java cannot hold exactly: its 64 bits in a long (two\'s complement), so\n' +
      '   * values from 2^63 up read as negative; Long.toUnsignedString shows them.\n   */\n' +
      '  public static final TLong ULONG = new TLong(Long.MIN_VALUE, Long.MAX_VALUE, true);\n\n' +
      '  private final boolean unsigned;\n\n' +
      '  private TLong(long min, long max, boolean unsigned) {\n    this.min = min;\n    this.max = max;\n    this.unsigned = unsigned;\n  }\n',
    'if (unsigned && v < 0) {\n      pk.packBigInteger(new java.math.BigInteger(Long.toUnsignedString(v)));\n    } else {\n      pk.packLong(v);\n    }',
    'if (unsigned) {\n      return v.asIntegerValue().asBigInteger().longValue();\n    }\n    if (!v.asIntegerValue().isInLongRange()) {\n      throw new TypeMismatchError("long out of range: " + v);\n    }\n    return check(v.asIntegerValue().asLong());',
  ).replace('  private TLong(long min, long max) {\n    this.min = min;\n    this.max = max;\n  }', '  private TLong(long min, long max) {\n    this(min, max, false);\n  }'),
  [`${T}/TFloat.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL float: a Java float, sent as msgpack float32. */
public final class TFloat implements TType<Float> {
  public static final TFloat instance = new TFloat();

  @Override
  public Float check(Object v) {
    if (!(v instanceof Float)) {
      throw new IllegalArgumentException("Float expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    return (Float) v;
  }

  @Override
  public void pack(MessagePacker pk, Float v) throws IOException {
    pk.packFloat(v);
  }

  @Override
  public Float revert(Value v) {
    if (v.isFloatValue()) {
      return v.asFloatValue().toFloat();
    }
    if (v.isIntegerValue()) {
      return v.asIntegerValue().toFloat();
    }
    throw new TypeMismatchError("float expected, but " + v.getValueType() + " given");
  }
}
`,
  [`${T}/TDouble.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL double: a Java double, sent as msgpack float64. */
public final class TDouble implements TType<Double> {
  public static final TDouble instance = new TDouble();

  @Override
  public Double check(Object v) {
    if (!(v instanceof Double)) {
      throw new IllegalArgumentException("Double expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    return (Double) v;
  }

  @Override
  public void pack(MessagePacker pk, Double v) throws IOException {
    pk.packDouble(v);
  }

  @Override
  public Double revert(Value v) {
    if (v.isFloatValue()) {
      return v.asFloatValue().toDouble();
    }
    if (v.isIntegerValue()) {
      return v.asIntegerValue().toDouble();
    }
    throw new TypeMismatchError("double expected, but " + v.getValueType() + " given");
  }
}
`,
  [`${T}/TBool.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL bool. */
public final class TBool implements TType<Boolean> {
  public static final TBool instance = new TBool();

  @Override
  public Boolean check(Object v) {
    if (!(v instanceof Boolean)) {
      throw new IllegalArgumentException("Boolean expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    return (Boolean) v;
  }

  @Override
  public void pack(MessagePacker pk, Boolean v) throws IOException {
    pk.packBoolean(v);
  }

  @Override
  public Boolean revert(Value v) {
    if (!v.isBooleanValue()) {
      throw new TypeMismatchError("bool expected, but " + v.getValueType() + " given");
    }
    return v.asBooleanValue().getBoolean();
  }
}
`,
  [`${T}/TString.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL string: sent as old-spec raw (UTF-8). */
public final class TString implements TType<String> {
  public static final TString instance = new TString();

  @Override
  public String check(Object v) {
    if (!(v instanceof String)) {
      throw new IllegalArgumentException("String expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    return (String) v;
  }

  @Override
  public void pack(MessagePacker pk, String v) throws IOException {
    pk.packString(v);
  }

  @Override
  public String revert(Value v) {
    if (v.isStringValue()) {
      return v.asStringValue().asString();
    }
    if (v.isBinaryValue()) {
      return new String(v.asBinaryValue().asByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }
    throw new TypeMismatchError("string expected, but " + v.getValueType() + " given");
  }
}
`,
  [`${T}/TRaw.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL raw: bytes, sent as old-spec raw. */
public final class TRaw implements TType<byte[]> {
  public static final TRaw instance = new TRaw();

  @Override
  public byte[] check(Object v) {
    if (!(v instanceof byte[])) {
      throw new IllegalArgumentException("byte[] expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    return (byte[]) v;
  }

  @Override
  public void pack(MessagePacker pk, byte[] v) throws IOException {
    pk.packRawStringHeader(v.length);
    pk.writePayload(v);
  }

  @Override
  public byte[] revert(Value v) {
    if (v.isRawValue()) {
      return v.asRawValue().asByteArray();
    }
    throw new TypeMismatchError("raw expected, but " + v.getValueType() + " given");
  }
}
`,
  [`${T}/TObject.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL object: any msgpack value, as msgpack-java's Value. */
public final class TObject implements TType<Value> {
  public static final TObject instance = new TObject();

  @Override
  public Value check(Object v) {
    if (!(v instanceof Value)) {
      throw new IllegalArgumentException("org.msgpack.value.Value expected");
    }
    return (Value) v;
  }

  @Override
  public void pack(MessagePacker pk, Value v) throws IOException {
    pk.packValue(v);
  }

  @Override
  public Value revert(Value v) {
    return v;
  }
}
`,
  [`${T}/TVoid.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** The answer of a void method: nothing. */
public final class TVoid implements TType<Void> {
  public static final TVoid instance = new TVoid();

  @Override
  public Void check(Object v) {
    return null;
  }

  @Override
  public void pack(MessagePacker pk, Void v) throws IOException {
    pk.packNil();
  }

  @Override
  public Void revert(Value v) {
    return null;
  }
}
`,
  [`${T}/TNullable.java`]: String.raw`package us.jubat.common.type;

${TYPE_IMPORTS}
/** IDL T?: null or a T. */
public final class TNullable<T> implements TType<T> {
  private final TType<T> type;

  public TNullable(TType<T> type) {
    this.type = type;
  }

  @Override
  public T check(Object v) {
    return v == null ? null : type.check(v);
  }

  @Override
  public void pack(MessagePacker pk, T v) throws IOException {
    if (v == null) {
      pk.packNil();
    } else {
      type.pack(pk, v);
    }
  }

  @Override
  public T revert(Value v) {
    return v.isNilValue() ? null : type.revert(v);
  }
}
`,
  [`${T}/TList.java`]: String.raw`package us.jubat.common.type;

import java.util.ArrayList;
import java.util.List;

${TYPE_IMPORTS}
/** IDL list<T>. */
public final class TList<T> implements TType<List<T>> {
  private final TType<T> type;

  public TList(TType<T> type) {
    this.type = type;
  }

  @Override
  public List<T> check(Object v) {
    if (!(v instanceof List)) {
      throw new IllegalArgumentException("List expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    List<T> out = new ArrayList<T>();
    for (Object e : (List<?>) v) {
      out.add(type.check(e));
    }
    return out;
  }

  @Override
  public void pack(MessagePacker pk, List<T> v) throws IOException {
    pk.packArrayHeader(v.size());
    for (T e : v) {
      type.pack(pk, e);
    }
  }

  @Override
  public List<T> revert(Value v) {
    if (!v.isArrayValue()) {
      throw new TypeMismatchError("array expected, but " + v.getValueType() + " given");
    }
    List<T> out = new ArrayList<T>();
    for (Value e : v.asArrayValue()) {
      out.add(type.revert(e));
    }
    return out;
  }
}
`,
  [`${T}/TMap.java`]: String.raw`package us.jubat.common.type;

import java.util.LinkedHashMap;
import java.util.Map;

${TYPE_IMPORTS}
/** IDL map<K, V>. */
public final class TMap<K, V> implements TType<Map<K, V>> {
  private final TType<K> key;
  private final TType<V> value;

  public TMap(TType<K> key, TType<V> value) {
    this.key = key;
    this.value = value;
  }

  @Override
  public Map<K, V> check(Object v) {
    if (!(v instanceof Map)) {
      throw new IllegalArgumentException("Map expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    Map<K, V> out = new LinkedHashMap<K, V>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
      out.put(key.check(e.getKey()), value.check(e.getValue()));
    }
    return out;
  }

  @Override
  public void pack(MessagePacker pk, Map<K, V> v) throws IOException {
    pk.packMapHeader(v.size());
    for (Map.Entry<K, V> e : v.entrySet()) {
      key.pack(pk, e.getKey());
      value.pack(pk, e.getValue());
    }
  }

  @Override
  public Map<K, V> revert(Value v) {
    if (!v.isMapValue()) {
      throw new TypeMismatchError("map expected, but " + v.getValueType() + " given");
    }
    Map<K, V> out = new LinkedHashMap<K, V>();
    for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
      out.put(key.revert(e.getKey()), value.revert(e.getValue()));
    }
    return out;
  }
}
`,
  [`${T}/TUserDef.java`]: String.raw`package us.jubat.common.type;

import java.util.function.Function;

import us.jubat.common.UserDefinedMessage;

${TYPE_IMPORTS}
/** An IDL message: a generated class that packs itself as an array in field order. */
public final class TUserDef<T extends UserDefinedMessage> implements TType<T> {
  private final Class<T> cls;
  private final Function<Value, T> read;

  public TUserDef(Class<T> cls, Function<Value, T> read) {
    this.cls = cls;
    this.read = read;
  }

  @Override
  public T check(Object v) {
    if (!cls.isInstance(v)) {
      throw new IllegalArgumentException(cls.getSimpleName() + " expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    T m = cls.cast(v);
    m.check();
    return m;
  }

  @Override
  public void pack(MessagePacker pk, T v) throws IOException {
    v.toMsgpack(pk);
  }

  @Override
  public T revert(Value v) {
    return read.apply(v);
  }

  /** The elements of an array of exactly n values, or TypeMismatchError. */
  public static java.util.List<Value> tuple(Value v, int n) {
    if (!v.isArrayValue() || v.asArrayValue().size() != n) {
      throw new TypeMismatchError("array of " + n + " expected, but " + v + " given");
    }
    return v.asArrayValue().list();
  }
}
`,
  [`${T}/TDatum.java`]: String.raw`package us.jubat.common.type;

import us.jubat.common.Datum;

${TYPE_IMPORTS}
/** IDL datum. */
public final class TDatum implements TType<Datum> {
  public static final TDatum instance = new TDatum();

  @Override
  public Datum check(Object v) {
    if (!(v instanceof Datum)) {
      throw new IllegalArgumentException("Datum expected, but " + (v == null ? "null" : v.getClass().getSimpleName()) + " given");
    }
    return (Datum) v;
  }

  @Override
  public void pack(MessagePacker pk, Datum v) throws IOException {
    v.toMsgpack(pk);
  }

  @Override
  public Datum revert(Value v) {
    return Datum.fromMsgpack(v);
  }
}
`,
  [`${C}/UserDefinedMessage.java`]: String.raw`package us.jubat.common;

import java.io.IOException;

import org.msgpack.core.MessagePacker;

/** What every generated message class does: check its fields, pack itself in field order. */
public interface UserDefinedMessage {
  void check();

  void toMsgpack(MessagePacker pk) throws IOException;
}
`,
  [`${C}/Datum.java`]: String.raw`package us.jubat.common;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.msgpack.core.MessagePacker;
import org.msgpack.value.Value;

import us.jubat.common.type.TDouble;
import us.jubat.common.type.TRaw;
import us.jubat.common.type.TString;
import us.jubat.common.type.TUserDef;
import us.jubat.common.type.TypeMismatchError;

/** The string, number and binary key/value lists every Jubatus engine reads. */
public class Datum implements UserDefinedMessage {
  /** One key/value pair. */
  public static final class Entry<V> {
    public final String key;
    public final V value;

    public Entry(String key, V value) {
      this.key = key;
      this.value = value;
    }
  }

  private final List<Entry<String>> stringValues = new ArrayList<Entry<String>>();
  private final List<Entry<Double>> numValues = new ArrayList<Entry<Double>>();
  private final List<Entry<byte[]>> binaryValues = new ArrayList<Entry<byte[]>>();

  public Datum addString(String key, String value) {
    stringValues.add(new Entry<String>(TString.instance.check(key), TString.instance.check(value)));
    return this;
  }

  public Datum addNumber(String key, double value) {
    numValues.add(new Entry<Double>(TString.instance.check(key), value));
    return this;
  }

  public Datum addBinary(String key, byte[] value) {
    binaryValues.add(new Entry<byte[]>(TString.instance.check(key), TRaw.instance.check(value)));
    return this;
  }

  public List<Entry<String>> getStringValues() {
    return stringValues;
  }

  public List<Entry<Double>> getNumValues() {
    return numValues;
  }

  public List<Entry<byte[]>> getBinaryValues() {
    return binaryValues;
  }

  @Override
  public void check() {
  }

  @Override
  public void toMsgpack(MessagePacker pk) throws IOException {
    pk.packArrayHeader(3);
    pk.packArrayHeader(stringValues.size());
    for (Entry<String> e : stringValues) {
      pk.packArrayHeader(2);
      TString.instance.pack(pk, e.key);
      TString.instance.pack(pk, e.value);
    }
    pk.packArrayHeader(numValues.size());
    for (Entry<Double> e : numValues) {
      pk.packArrayHeader(2);
      TString.instance.pack(pk, e.key);
      TDouble.instance.pack(pk, e.value);
    }
    pk.packArrayHeader(binaryValues.size());
    for (Entry<byte[]> e : binaryValues) {
      pk.packArrayHeader(2);
      TString.instance.pack(pk, e.key);
      TRaw.instance.pack(pk, e.value);
    }
  }

  public static Datum fromMsgpack(Value v) {
    List<Value> parts = TUserDef.tuple(v, 3);
    Datum d = new Datum();
    for (Value p : list(parts.get(0))) {
      List<Value> kv = TUserDef.tuple(p, 2);
      d.addString(TString.instance.revert(kv.get(0)), TString.instance.revert(kv.get(1)));
    }
    for (Value p : list(parts.get(1))) {
      List<Value> kv = TUserDef.tuple(p, 2);
      d.addNumber(TString.instance.revert(kv.get(0)), TDouble.instance.revert(kv.get(1)));
    }
    for (Value p : list(parts.get(2))) {
      List<Value> kv = TUserDef.tuple(p, 2);
      d.addBinary(TString.instance.revert(kv.get(0)), TRaw.instance.revert(kv.get(1)));
    }
    return d;
  }

  private static List<Value> list(Value v) {
    if (!v.isArrayValue()) {
      throw new TypeMismatchError("array expected, but " + v.getValueType() + " given");
    }
    return v.asArrayValue().list();
  }
}
`,
  [`${C}/RPCError.java`]: String.raw`package us.jubat.common;

/** The server answered with an error (its message), or the call failed locally. */
public class RPCError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RPCError(String message) {
    super(message);
  }

  public RPCError(String message, Throwable cause) {
    super(message, cause);
  }
}
`,
  [`${C}/InterfaceMismatch.java`]: String.raw`package us.jubat.common;

/** The server and the client disagree on the interface. */
public class InterfaceMismatch extends RPCError {
  private static final long serialVersionUID = 1L;

  public InterfaceMismatch(String message) {
    super(message);
  }
}
`,
  [`${C}/UnknownMethod.java`]: String.raw`package us.jubat.common;

/** The server has no such method (wire error 1). */
public class UnknownMethod extends InterfaceMismatch {
  private static final long serialVersionUID = 1L;

  public UnknownMethod(String method) {
    super("unknown method: " + method);
  }
}
`,
  [`${C}/TypeMismatch.java`]: String.raw`package us.jubat.common;

/** The server could not read the arguments as the method's types (wire error 2). */
public class TypeMismatch extends InterfaceMismatch {
  private static final long serialVersionUID = 1L;

  public TypeMismatch(String method) {
    super("type mismatch: " + method);
  }
}
`,
  [`${C}/RpcClient.java`]: String.raw`package us.jubat.common;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import us.jubat.common.type.TString;
import us.jubat.common.type.TType;

/** One msgpack-rpc connection, opened on first use and again after any failure; calls are serialized. */
public class RpcClient {
  private static final MessagePack.PackerConfig PACKER = new MessagePack.PackerConfig().withStr8FormatSupport(false);

  private final String host;
  private final int port;
  private int timeoutMillis;
  private Socket socket;
  private MessageUnpacker unpacker;
  private int msgid;

  public RpcClient(String host, int port, int timeoutSec) {
    this.host = host;
    this.port = port;
    this.timeoutMillis = timeoutSec * 1000;
  }

  public synchronized void setTimeout(int timeoutSec) {
    this.timeoutMillis = timeoutSec * 1000;
  }

  public synchronized void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
      unpacker = null;
    }
  }

  private void connect() {
    try {
      Socket s = new Socket();
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.setTcpNoDelay(true);
      socket = s;
      unpacker = MessagePack.newDefaultUnpacker(s.getInputStream());
    } catch (SocketTimeoutException e) {
      throw new RPCError("connect timed out", e);
    } catch (IOException e) {
      throw new RPCError("connect failed: " + e.getMessage(), e);
    }
  }

  /** Sends method with the cluster name and args checked by their types; reads the answer as ret. */
  public synchronized <R> R call(String method, String name, TType<R> ret, Object[] args, TType<?>... types) {
    if (args.length != types.length) {
      throw new IllegalArgumentException(method + " takes " + types.length + " arguments, but " + args.length + " are given");
    }
    int id = ++msgid;
    byte[] request;
    try (MessageBufferPacker pk = PACKER.newBufferPacker()) {
      pk.packArrayHeader(4);
      pk.packInt(0);
      pk.packInt(id);
      pk.packString(method);
      pk.packArrayHeader(args.length + 1);
      TString.instance.packChecked(pk, name);
      for (int i = 0; i < args.length; i++) {
        types[i].packChecked(pk, args[i]);
      }
      request = pk.toByteArray();
    } catch (IOException e) {
      throw new RPCError("cannot pack the request: " + e.getMessage(), e);
    }
    if (socket == null) {
      connect();
    }
    try {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      while (true) {
        Value v = unpacker.unpackValue();
        if (!v.isArrayValue() || v.asArrayValue().size() != 4) {
          continue;
        }
        Value kind = v.asArrayValue().get(0);
        Value rid = v.asArrayValue().get(1);
        if (!kind.isIntegerValue() || kind.asIntegerValue().asLong() != 1 || !rid.isIntegerValue() || rid.asIntegerValue().asLong() != id) {
          continue;
        }
        Value error = v.asArrayValue().get(2);
        if (!error.isNilValue()) {
          if (error.isIntegerValue() && error.asIntegerValue().asLong() == 1) {
            throw new UnknownMethod(method);
          }
          if (error.isIntegerValue() && error.asIntegerValue().asLong() == 2) {
            throw new TypeMismatch(method);
          }
          if (error.isRawValue()) {
            throw new RPCError(error.asRawValue().asString());
          }
          throw new RPCError(error.toString());
        }
        return ret.revert(v.asArrayValue().get(3));
      }
    } catch (SocketTimeoutException e) {
      close();
      throw new RPCError("request timed out", e);
    } catch (IOException e) {
      close();
      throw new RPCError("connection failed: " + e.getMessage(), e);
    }
  }
}
`,
  [`${C}/ClientBase.java`]: String.raw`package us.jubat.common;

import java.util.Map;

import us.jubat.common.type.TBool;
import us.jubat.common.type.TMap;
import us.jubat.common.type.TString;
import us.jubat.common.type.TType;

/** What every generated client has: the connection, the cluster name, the built-ins. */
public class ClientBase {
  private static final TType<Map<String, Map<String, String>>> STATUS =
      new TMap<String, Map<String, String>>(TString.instance, new TMap<String, String>(TString.instance, TString.instance));

  protected final RpcClient iface;
  protected String name;

  public ClientBase(String host, int port, String name, int timeoutSec) {
    this.iface = new RpcClient(host, port, timeoutSec);
    this.name = TString.instance.check(name);
  }

  /** Calls method with the cluster name first. */
  protected <R> R call(String method, TType<R> ret, Object[] args, TType<?>... types) {
    return iface.call(method, name, ret, args, types);
  }

  public RpcClient getClient() {
    return iface;
  }

  public void close() {
    iface.close();
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = TString.instance.check(name);
  }

  public String getConfig() {
    return call("get_config", TString.instance, new Object[] {});
  }

  public Map<String, String> save(String id) {
    return call("save", new TMap<String, String>(TString.instance, TString.instance), new Object[] {id}, TString.instance);
  }

  public boolean load(String id) {
    return call("load", TBool.instance, new Object[] {id}, TString.instance);
  }

  public Map<String, Map<String, String>> getStatus() {
    return call("get_status", STATUS, new Object[] {});
  }

  public boolean doMix() {
    return call("do_mix", TBool.instance, new Object[] {});
  }

  public Map<String, Map<String, String>> getProxyStatus() {
    return call("get_proxy_status", STATUS, new Object[] {});
  }
}
`,
};

/** The runtime files, relative to the output folder. */
export const JAVA_RUNTIME: ReadonlyArray<{ path: string; text: string }> = Object.entries(FILES)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([path, text]) => ({ path, text }));
