/**
 * The Go runtime `juba gen --lang go --runtime` writes: package `common` (Datum, the client base
 * with the built-ins, the error types) on Debian's golang-github-ugorji-go-codec-dev and the
 * standard library only, built in GOPATH mode (no network). msgpack-rpc over TCP with old-spec
 * raw strings (the codec's WriteExt off), Go's float32/float64 as the IDL says, messages as
 * arrays in field order (StructToArray), a deadline per call and a reconnect on the next call
 * after a connection failure.
 *
 * Kept as text because it is emitted, not imported; test/e2e/gen-go.test.ts builds it with
 * `go build` and runs it against real servers.
 */

const DATUM = String.raw`package common

// StringValue is one string feature of a Datum.
type StringValue struct {
	Key   string
	Value string
}

// NumValue is one numeric feature of a Datum.
type NumValue struct {
	Key   string
	Value float64
}

// BinaryValue is one binary feature of a Datum.
type BinaryValue struct {
	Key   string
	Value []byte
}

// Datum holds the string, number and binary key/value lists every Jubatus engine reads.
type Datum struct {
	StringValues []StringValue
	NumValues    []NumValue
	BinaryValues []BinaryValue
}

// NewDatum returns an empty Datum.
func NewDatum() Datum {
	return Datum{StringValues: []StringValue{}, NumValues: []NumValue{}, BinaryValues: []BinaryValue{}}
}

// AddString appends a string feature.
func (d *Datum) AddString(key string, value string) *Datum {
	d.StringValues = append(d.StringValues, StringValue{key, value})
	return d
}

// AddNum appends a numeric feature.
func (d *Datum) AddNum(key string, value float64) *Datum {
	d.NumValues = append(d.NumValues, NumValue{key, value})
	return d
}

// AddBinary appends a binary feature.
func (d *Datum) AddBinary(key string, value []byte) *Datum {
	d.BinaryValues = append(d.BinaryValues, BinaryValue{key, value})
	return d
}

// ToMsgpack encodes the datum as it travels.
func (d Datum) ToMsgpack() ([]byte, error) {
	return Marshal(d)
}

// FromMsgpack decodes a datum.
func (d *Datum) FromMsgpack(b []byte) error {
	return Unmarshal(b, d)
}
`;

const CLIENT = String.raw`package common

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ugorji/go/codec"
)

// Wire error codes of Jubatus servers.
const (
	NoMethodError = 1
	ArgumentError = 2
)

// UnknownMethodError: the server has no such method (wire error 1).
type UnknownMethodError struct{ Method string }

func (e *UnknownMethodError) Error() string { return "unknown method: " + e.Method }

// TypeMismatchError: the server could not read the arguments as the method's types (wire error 2).
type TypeMismatchError struct{ Method string }

func (e *TypeMismatchError) Error() string { return "type mismatch: " + e.Method }

// RPCError: the server answered with another error (its message), or the call failed locally.
type RPCError struct {
	Message string
	Err     interface{}
}

func (e *RPCError) Error() string { return e.Message }

// Handle returns the msgpack settings Jubatus speaks: old-spec raw strings, messages as arrays.
func Handle() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.WriteExt = false
	h.StructToArray = true
	h.RawToString = true
	return h
}

// Marshal encodes v as it travels.
func Marshal(v interface{}) ([]byte, error) {
	var b bytes.Buffer
	err := codec.NewEncoder(&b, Handle()).Encode(v)
	return b.Bytes(), err
}

// Unmarshal decodes b into v.
func Unmarshal(b []byte, v interface{}) error {
	if len(b) == 0 {
		b = []byte{0xc0}
	}
	return codec.NewDecoderBytes(b, Handle()).Decode(v)
}

type response struct {
	Type   int
	ID     uint32
	Error  interface{}
	Result codec.Raw
}

// Client is the base of every generated client: one connection, the cluster name, the built-ins.
type Client struct {
	host    string
	name    string
	timeout time.Duration
	mu      sync.Mutex
	conn    net.Conn
	dec     *codec.Decoder
	msgid   uint32
	h       *codec.MsgpackHandle
}

// NewClient connects to host ("address:port") for the cluster name, with a 10 s timeout.
func NewClient(host string, name string) (*Client, error) {
	c := &Client{host: host, name: name, timeout: 10 * time.Second, h: Handle()}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.connect(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) connect() error {
	conn, err := net.DialTimeout("tcp", c.host, c.timeout)
	if err != nil {
		return &RPCError{Message: "connect failed: " + err.Error(), Err: err}
	}
	c.conn = conn
	c.dec = codec.NewDecoder(bufio.NewReader(conn), c.h)
	return nil
}

func (c *Client) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
		c.dec = nil
	}
}

// Close closes the connection; the next call opens a new one.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop()
	return nil
}

// SetTimeout sets the time one call may take.
func (c *Client) SetTimeout(d time.Duration) { c.timeout = d }

// GetName returns the cluster name every call sends first.
func (c *Client) GetName() string { return c.name }

// SetName changes the cluster name.
func (c *Client) SetName(name string) { c.name = name }

// Call sends method with the cluster name and args, and decodes the answer into result (a
// pointer, or nil to ignore it).
func (c *Client) Call(method string, result interface{}, args ...interface{}) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		if err := c.connect(); err != nil {
			return err
		}
	}
	c.msgid++
	id := c.msgid
	params := append([]interface{}{c.name}, args...)
	var b bytes.Buffer
	if err := codec.NewEncoder(&b, c.h).Encode([]interface{}{0, id, method, params}); err != nil {
		return err
	}
	c.conn.SetDeadline(time.Now().Add(c.timeout))
	if _, err := c.conn.Write(b.Bytes()); err != nil {
		c.drop()
		return &RPCError{Message: "connection failed: " + err.Error(), Err: err}
	}
	for {
		var r response
		if err := c.dec.Decode(&r); err != nil {
			c.drop()
			if isTimeout(err) {
				return &RPCError{Message: "request timed out", Err: err}
			}
			return &RPCError{Message: "connection failed: " + err.Error(), Err: err}
		}
		if r.Type != 1 || r.ID != id {
			continue
		}
		if r.Error != nil {
			switch e := r.Error.(type) {
			case int64:
				if e == NoMethodError {
					return &UnknownMethodError{method}
				} else if e == ArgumentError {
					return &TypeMismatchError{method}
				}
			case uint64:
				if e == NoMethodError {
					return &UnknownMethodError{method}
				} else if e == ArgumentError {
					return &TypeMismatchError{method}
				}
			case string:
				return &RPCError{Message: e, Err: e}
			case []byte:
				return &RPCError{Message: string(e), Err: e}
			}
			return &RPCError{Message: fmt.Sprint(r.Error), Err: r.Error}
		}
		if result == nil {
			return nil
		}
		if err := Unmarshal(r.Result, result); err != nil {
			return fmt.Errorf("%s: unexpected result: %v", method, err)
		}
		return nil
	}
}

// isTimeout tells a deadline that passed from other failures (the codec may wrap it).
func isTimeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(err.Error(), "i/o timeout")
}

// GetConfig returns the server's config (JSON).
func (c *Client) GetConfig() (string, error) {
	var result string
	err := c.Call("get_config", &result)
	return result, err
}

// Save saves the model under id on every server; the answer maps each server to its file.
func (c *Client) Save(id string) (map[string]string, error) {
	var result map[string]string
	err := c.Call("save", &result, id)
	return result, err
}

// Load loads the model saved under id on every server.
func (c *Client) Load(id string) (bool, error) {
	var result bool
	err := c.Call("load", &result, id)
	return result, err
}

// GetStatus returns each server's status.
func (c *Client) GetStatus() (map[string]map[string]string, error) {
	var result map[string]map[string]string
	err := c.Call("get_status", &result)
	return result, err
}

// DoMix forces a MIX round (distributed servers only).
func (c *Client) DoMix() (bool, error) {
	var result bool
	err := c.Call("do_mix", &result)
	return result, err
}

// GetProxyStatus returns the proxy's own status (proxies only).
func (c *Client) GetProxyStatus() (map[string]map[string]string, error) {
	var result map[string]map[string]string
	err := c.Call("get_proxy_status", &result)
	return result, err
}
`;

/** The runtime files, relative to the output folder. */
export const GO_RUNTIME: ReadonlyArray<{ path: string; text: string }> = [
  { path: 'common/datum.go', text: DATUM },
  { path: 'common/client.go', text: CLIENT },
];
