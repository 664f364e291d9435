// The gen-go live test's program: the scenario of test/e2e/gen-live.ts through the
// generated clients, printed as one JSON object.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	common "jubatus/common"
	"jubatus/kvs"
	nn "jubatus/nearest_neighbor"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func category(err error) string {
	var um *common.UnknownMethodError
	var tm *common.TypeMismatchError
	var re *common.RPCError
	switch {
	case err == nil:
		return "no error"
	case errors.As(err, &um):
		return "unknown_method"
	case errors.As(err, &tm):
		return "type_mismatch"
	case errors.As(err, &re):
		return "rpc_error: " + re.Message
	}
	return "other: " + err.Error()
}

func point(x, y float64) common.Datum {
	d := common.NewDatum()
	d.AddNum("x", x).AddNum("y", y)
	return d
}

func scored(rs []nn.IDWithScore, err error) [][]interface{} {
	must(err)
	out := [][]interface{}{}
	for _, r := range rs {
		out = append(out, []interface{}{r.ID, r.Score})
	}
	return out
}

func sorted(rows []string, err error) []string {
	must(err)
	if rows == nil {
		rows = []string{}
	}
	sort.Strings(rows)
	return rows
}

func ok(b bool, err error) bool {
	must(err)
	return b
}

func main() {
	nnAddr, kvsAddr, kvsName, tag, silentAddr := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5]
	c, err := nn.NewNearestNeighborClient(nnAddr, "gen_"+tag)
	must(err)
	n := map[string]interface{}{}
	n["clear"] = ok(c.Clear())
	n["set"] = []bool{ok(c.SetRow("a", point(1, 2))), ok(c.SetRow("b", point(1, 2.2))), ok(c.SetRow("c", point(-4, 1)))}
	n["similar"] = scored(c.SimilarRowFromID("a", 3))
	near, err := c.NeighborRowFromDatum(point(1, 2), 1)
	must(err)
	ids := []string{}
	for _, r := range near {
		ids = append(ids, r.ID)
	}
	n["neighbors"] = ids
	status, err := c.GetStatus()
	must(err)
	for _, st := range status {
		n["status"] = map[string]interface{}{"servers": len(status), "type": st["type"]}
	}
	saved, err := c.Save("go_" + tag)
	must(err)
	n["save"] = len(saved)
	n["clear_again"] = ok(c.Clear())
	n["rows_cleared"] = sorted(c.GetAllRows())
	n["load"] = ok(c.Load("go_" + tag))
	n["rows"] = sorted(c.GetAllRows())
	n["similar_loaded"] = scored(c.SimilarRowFromID("a", 3))
	_, err = c.DoMix()
	n["do_mix"] = category(err)
	_, err = c.Load("no_such_model")
	n["load_missing"] = category(err)
	n["bad_arg_local"] = "compile-time"
	var r bool
	n["bad_arg_server"] = category(c.Call("set_row", &r, int32(1)))
	c.Close()
	if rows := sorted(c.GetAllRows()); len(rows) == 3 {
		n["reconnect"] = "ok"
	} else {
		n["reconnect"] = "lost rows"
	}
	silent, err := nn.NewNearestNeighborClient(silentAddr, "x")
	must(err)
	silent.SetTimeout(time.Second)
	_, err = silent.GetConfig()
	n["timeout"] = category(err)

	k, err := kvs.NewKvsClient(kvsAddr, kvsName)
	must(err)
	kv := map[string]interface{}{}
	kv["put"] = ok(k.Put("city", "Kyoto \u2713"))
	v, err := k.Get("city")
	must(err)
	kv["get"] = v
	kv["del"] = ok(k.Del("city"))
	v, err = k.Get("city")
	must(err)
	kv["get_deleted"] = v
	kv["del_again"] = ok(k.Del("city"))
	ks, err := k.GetStatus()
	must(err)
	kv["servers"] = len(ks)
	kv["name"] = k.GetName()
	out, err := json.Marshal(map[string]interface{}{"nn": n, "kvs": kv})
	must(err)
	fmt.Println(string(out))
}
