package checker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	starjson "go.starlark.net/lib/json"
	starmath "go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// runKey is the thread-local key of a run's settings.
const runKey = "eigendata.checker.run"

// maxLogBytes bounds what print() keeps.
const maxLogBytes = 4 << 10

// maxIntBits bounds the size of an integer product.
const maxIntBits = 1 << 16

// run is one Check's per-thread state.
type run struct {
	lim  Limits
	log  strings.Builder
	stop atomic.Bool // set once the run is cancelled, polled by long guards
}

func runOf(t *starlark.Thread) *run {
	if r, ok := t.Local(runKey).(*run); ok {
		return r
	}
	return &run{lim: DefaultLimits()}
}

// Builtins lists the names a checker may use besides Starlark's universal
// builtins (None, True, False, abs, all, any, bool, bytes, chr, dict, dir,
// enumerate, fail, float, getattr, hasattr, hash, int, len, list, max, min,
// ord, print, range, repr, reversed, set, sorted, str, tuple, type, zip):
//
//	json.encode(x), json.decode(s), json.indent(s)   JSON (bounded)
//	math.*                                           Starlark's math module
//	find(items, key, value)      first dict in items (a list, or a mapping's values) with d[key] == value, else None
//	find_all(items, key, value)  every such dict, as a list
//	get(x, path, default=None)   nested lookup by "a.b.0.c" (or a list of keys/indexes)
//	contains(text, sub)          case- and comma-insensitive substring test (tau2's COMMUNICATE rule)
//	said(transcript, text)       whether an assistant message contains text (as contains)
//	tool_calls(transcript, name=None)  the assistant's tool calls ({"name", "arguments", ...}), optionally of one tool
//	approx(a, b, tol=0.01)       |a - b| <= tol
//	digest(x)                    hex sha256 of x's canonical JSON (sorted keys)
//
// str, repr, print, fail and range are the universal ones behind guards;
// print writes to the verdict's log (first 4 KiB).
func Builtins() []string {
	names := make([]string, 0, 16)
	for k := range builtins() {
		if !strings.HasPrefix(k, "__") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

// builtins returns the predeclared names of a checker.
func builtins() starlark.StringDict {
	b := func(name string, fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin(name, fn)
	}
	jsonMod := &starlarkstruct.Module{Name: "json", Members: starlark.StringDict{
		"encode": b("json.encode", jsonEncode),
		"decode": b("json.decode", jsonDecode),
		"indent": b("json.indent", jsonIndent),
	}}
	d := starlark.StringDict{
		mulName:      b(mulName, guardedMul),
		modName:      b(modName, guardedMod),
		methodName:   b(methodName, guardedMethodCall),
		"str":        b("str", renderGuard("str")),
		"repr":       b("repr", renderGuard("repr")),
		"fail":       b("fail", renderGuard("fail")),
		"print":      b("print", printLog),
		"range":      b("range", boundedRange),
		"json":       jsonMod,
		"math":       starmath.Module,
		"find":       b("find", find(false)),
		"find_all":   b("find_all", find(true)),
		"get":        b("get", getPath),
		"contains":   b("contains", containsFn),
		"said":       b("said", said),
		"tool_calls": b("tool_calls", toolCalls),
		"approx":     b("approx", approx),
		"digest":     b("digest", digestFn),
	}
	d.Freeze()
	return d
}

// seqBytes is the memory a repetition of v costs per repeat, or -1 when v
// is not a sequence.
func seqBytes(v starlark.Value) int64 {
	switch s := v.(type) {
	case starlark.String:
		return int64(len(s))
	case starlark.Bytes:
		return int64(len(s))
	case *starlark.List:
		return 16 * int64(s.Len())
	case starlark.Tuple:
		return 16 * int64(len(s))
	}
	return -1
}

func intCount(v starlark.Value) (int64, bool) {
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, false
	}
	n, ok := i.Int64()
	if !ok {
		if i.Sign() < 0 {
			return 0, true
		}
		return 1 << 62, true
	}
	return n, true
}

// guardedMul is x * y with a bound on the size of repetitions and integer
// products.
func guardedMul(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%s: want 2 arguments", mulName)
	}
	lim := runOf(t).lim
	x, y := args[0], args[1]
	for _, p := range [2][2]starlark.Value{{x, y}, {y, x}} {
		per := seqBytes(p[0])
		n, isInt := intCount(p[1])
		if per >= 0 && isInt && n > 0 {
			total := new(big.Int).Mul(big.NewInt(max(per, 1)), big.NewInt(n))
			if total.Cmp(big.NewInt(lim.maxValueBytes())) > 0 {
				return nil, memoryError("repeating a %s of %d bytes %d times would allocate %s bytes (limit %d)",
					p[0].Type(), per, n, total, lim.maxValueBytes())
			}
		}
	}
	if xi, ok := x.(starlark.Int); ok {
		if yi, ok := y.(starlark.Int); ok && xi.BigInt().BitLen()+yi.BigInt().BitLen() > maxIntBits {
			return nil, memoryError("integer product over %d bits", maxIntBits)
		}
	}
	return starlark.Binary(syntax.STAR, x, y)
}

// guardedMod is x % y; for string formatting the result's size is bounded.
func guardedMod(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%s: want 2 arguments", modName)
	}
	x, y := args[0], args[1]
	if s, ok := x.(starlark.String); ok {
		r := runOf(t)
		lim := r.lim
		var parts []starlark.Value
		switch a := y.(type) {
		case starlark.Tuple:
			parts = a
		case *starlark.Dict:
			for _, kv := range a.Items() {
				parts = append(parts, kv[1])
			}
		default:
			parts = []starlark.Value{y}
		}
		most, err := maxMeasure(r, parts...)
		if err != nil {
			return nil, err
		}
		if est := int64(len(s)) + int64(strings.Count(string(s), "%"))*most; est > lim.maxValueBytes() {
			return nil, memoryError("string formatting would build about %d bytes (limit %d)", est, lim.maxValueBytes())
		}
	}
	return starlark.Binary(syntax.PERCENT, x, y)
}

// guardedMethodCall is recv.name(*args, **kwargs) for the string methods
// join, replace and format, with a bound on the result's size.
func guardedMethodCall(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: want a receiver and a method name", methodName)
	}
	recv, nameV, rest := args[0], args[1], args[2:]
	name, _ := starlark.AsString(nameV)
	if s, ok := recv.(starlark.String); ok {
		r := runOf(t)
		lim := r.lim
		est, err := methodEstimate(r, string(s), name, rest, kwargs)
		if err != nil {
			return nil, err
		}
		if est > lim.maxValueBytes() {
			return nil, memoryError("%s.%s would build about %d bytes (limit %d)", recv.Type(), name, est, lim.maxValueBytes())
		}
	}
	ha, ok := recv.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", recv.Type(), name)
	}
	fn, err := ha.Attr(name)
	if err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("%s has no .%s field or method", recv.Type(), name)
	}
	return starlark.Call(t, fn, rest, kwargs)
}

func methodEstimate(r *run, s, name string, args starlark.Tuple, kwargs []starlark.Tuple) (int64, error) {
	switch name {
	case "join":
		if len(args) != 1 {
			return 0, nil // the method reports the arity error
		}
		iter := starlark.Iterate(args[0])
		if iter == nil {
			return 0, nil
		}
		defer iter.Done()
		var total, n int64
		var e starlark.Value
		for iter.Next(&e) {
			if es, ok := e.(starlark.String); ok {
				total += int64(len(es))
			}
			n++
			if total+n*int64(len(s)) > r.lim.maxValueBytes() {
				break
			}
		}
		return total + max(n-1, 0)*int64(len(s)), nil
	case "replace":
		if len(args) < 2 {
			return 0, nil
		}
		old, ok1 := starlark.AsString(args[0])
		repl, ok2 := starlark.AsString(args[1])
		if !ok1 || !ok2 {
			return 0, nil
		}
		count := int64(strings.Count(s, old))
		if len(args) > 2 {
			if c, ok := intCount(args[2]); ok && c >= 0 {
				count = min(count, c)
			}
		}
		return int64(len(s)) + count*max(int64(len(repl))-int64(len(old)), 0), nil
	case "format":
		vals := append([]starlark.Value(nil), args...)
		for _, kv := range kwargs {
			vals = append(vals, kv[1])
		}
		most, err := maxMeasure(r, vals...)
		if err != nil {
			return 0, err
		}
		return int64(len(s)) + int64(strings.Count(s, "{"))*most, nil
	}
	return 0, nil
}

// renderGuard wraps a universal builtin that renders its arguments.
func renderGuard(name string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if _, err := measure(runOf(t), args...); err != nil {
			return nil, err
		}
		return starlark.Call(t, starlark.Universe[name], args, kwargs)
	}
}

// printLog keeps the first maxLogBytes of what the checker prints.
func printLog(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r := runOf(t)
	if _, err := measure(r, args...); err != nil {
		return nil, err
	}
	sep := " "
	if err := starlark.UnpackArgs("print", nil, kwargs, "sep?", &sep); err != nil {
		return nil, err
	}
	parts := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(starlark.String); ok {
			parts[i] = string(s)
		} else {
			parts[i] = a.String()
		}
	}
	line := strings.Join(parts, sep) + "\n"
	if room := maxLogBytes - r.log.Len(); room > 0 {
		r.log.WriteString(line[:min(len(line), room)])
	}
	return starlark.None, nil
}

// boundedRange is range() refusing sequences too long to materialise.
func boundedRange(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r, err := starlark.Call(t, starlark.Universe["range"], args, kwargs)
	if err != nil {
		return nil, err
	}
	limit := runOf(t).lim.maxValueBytes() / 16
	if n := starlark.Len(r); int64(n) > limit {
		return nil, memoryError("range of %d elements (limit %d)", n, limit)
	}
	return r, nil
}

func jsonEncode(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if _, err := measure(runOf(t), args...); err != nil {
		return nil, err
	}
	return starlark.Call(t, starjson.Module.Members["encode"], args, kwargs)
}

// jsonDepth returns the bracket nesting depth of JSON text.
func jsonDepth(s string) int {
	depth, most, inStr, esc := 0, 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			depth++
			most = max(most, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return most
}

func jsonDecode(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	lim := runOf(t).lim
	if len(args) > 0 {
		if s, ok := starlark.AsString(args[0]); ok {
			if d := jsonDepth(s); d > lim.MaxDepth {
				return nil, &limitError{kind: FailDepth, msg: fmt.Sprintf("json.decode: input nested %d levels deep (limit %d)", d, lim.MaxDepth)}
			}
		}
	}
	return starlark.Call(t, starjson.Module.Members["decode"], args, kwargs)
}

func jsonIndent(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	lim := runOf(t).lim
	if len(args) > 0 {
		if s, ok := starlark.AsString(args[0]); ok {
			d := jsonDepth(s)
			if d > lim.MaxDepth {
				return nil, &limitError{kind: FailDepth, msg: fmt.Sprintf("json.indent: input nested %d levels deep (limit %d)", d, lim.MaxDepth)}
			}
			if est := int64(len(s)) * int64(2+d*8); est > lim.maxValueBytes() {
				return nil, memoryError("json.indent would build about %d bytes (limit %d)", est, lim.maxValueBytes())
			}
		}
	}
	return starlark.Call(t, starjson.Module.Members["indent"], args, kwargs)
}

// elements lists the elements of a list/tuple, or the values of a mapping.
func elements(v starlark.Value) ([]starlark.Value, error) {
	switch x := v.(type) {
	case starlark.IterableMapping:
		items := x.Items()
		out := make([]starlark.Value, len(items))
		for i, kv := range items {
			out[i] = kv[1]
		}
		return out, nil
	case starlark.Iterable:
		var out []starlark.Value
		it := x.Iterate()
		defer it.Done()
		var e starlark.Value
		for it.Next(&e) {
			out = append(out, e)
		}
		return out, nil
	}
	return nil, fmt.Errorf("got %s, want a list or a dict", v.Type())
}

func find(all bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var items, want starlark.Value
		var key string
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 3, &items, &key, &want); err != nil {
			return nil, err
		}
		elems, err := elements(items)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		var found []starlark.Value
		for _, e := range elems {
			m, ok := e.(starlark.Mapping)
			if !ok {
				continue
			}
			got, ok, err := m.Get(starlark.String(key))
			if err != nil || !ok {
				continue
			}
			if eq, err := starlark.Equal(got, want); err == nil && eq {
				if !all {
					return e, nil
				}
				found = append(found, e)
			}
		}
		if !all {
			return starlark.None, nil
		}
		return starlark.NewList(found), nil
	}
}

// getPath looks a dotted path up in nested dicts and lists.
func getPath(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, path starlark.Value
	var dflt starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &path, &dflt); err != nil {
		return nil, err
	}
	var keys []starlark.Value
	switch p := path.(type) {
	case starlark.String:
		for _, part := range strings.Split(string(p), ".") {
			keys = append(keys, starlark.String(part))
		}
	default:
		var err error
		if keys, err = elements(path); err != nil {
			return nil, fmt.Errorf("get: path: %w", err)
		}
	}
	cur := x
	for _, k := range keys {
		switch c := cur.(type) {
		case starlark.Mapping:
			v, ok, err := c.Get(k)
			if err != nil || !ok {
				return dflt, nil
			}
			cur = v
		case starlark.Indexable:
			var i int
			switch kk := k.(type) {
			case starlark.Int:
				n, ok := kk.Int64()
				if !ok {
					return dflt, nil
				}
				i = int(n)
			case starlark.String:
				n, err := strconv.Atoi(string(kk))
				if err != nil {
					return dflt, nil
				}
				i = n
			default:
				return dflt, nil
			}
			if i < 0 {
				i += c.Len()
			}
			if i < 0 || i >= c.Len() {
				return dflt, nil
			}
			cur = c.Index(i)
		default:
			return dflt, nil
		}
	}
	return cur, nil
}

// Normalize is the text comparison of contains and said: lower case,
// commas removed (tau2's COMMUNICATE check).
func Normalize(s string) string { return strings.ReplaceAll(strings.ToLower(s), ",", "") }

func containsFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var text, sub string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &text, &sub); err != nil {
		return nil, err
	}
	return starlark.Bool(strings.Contains(Normalize(text), Normalize(sub))), nil
}

func messages(name string, v starlark.Value) ([]starlark.Mapping, error) {
	elems, err := elements(v)
	if err != nil {
		return nil, fmt.Errorf("%s: transcript: %w", name, err)
	}
	out := make([]starlark.Mapping, 0, len(elems))
	for _, e := range elems {
		if m, ok := e.(starlark.Mapping); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func field(m starlark.Mapping, k string) starlark.Value {
	v, ok, err := m.Get(starlark.String(k))
	if err != nil || !ok {
		return starlark.None
	}
	return v
}

func said(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var tr starlark.Value
	var text string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &tr, &text); err != nil {
		return nil, err
	}
	msgs, err := messages(b.Name(), tr)
	if err != nil {
		return nil, err
	}
	want := Normalize(text)
	for _, m := range msgs {
		if role, _ := starlark.AsString(field(m, "role")); role != "assistant" {
			continue
		}
		if c, ok := starlark.AsString(field(m, "content")); ok && strings.Contains(Normalize(c), want) {
			return starlark.True, nil
		}
	}
	return starlark.False, nil
}

func toolCalls(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var tr starlark.Value
	var name starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "transcript", &tr, "name?", &name); err != nil {
		return nil, err
	}
	msgs, err := messages(b.Name(), tr)
	if err != nil {
		return nil, err
	}
	want, filter := starlark.AsString(name)
	var out []starlark.Value
	for _, m := range msgs {
		if role, _ := starlark.AsString(field(m, "role")); role != "assistant" {
			continue
		}
		calls, err := elements(field(m, "tool_calls"))
		if err != nil {
			continue
		}
		for _, c := range calls {
			cm, ok := c.(starlark.Mapping)
			if !ok {
				continue
			}
			if n, _ := starlark.AsString(field(cm, "name")); filter && n != want {
				continue
			}
			out = append(out, c)
		}
	}
	return starlark.NewList(out), nil
}

func approx(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, c starlark.Value
	var tol starlark.Value = starlark.Float(0.01)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &a, "b", &c, "tol?", &tol); err != nil {
		return nil, err
	}
	x, ok1 := starlark.AsFloat(a)
	y, ok2 := starlark.AsFloat(c)
	e, ok3 := starlark.AsFloat(tol)
	if !ok1 || !ok2 || !ok3 {
		return starlark.False, nil
	}
	d := x - y
	if d < 0 {
		d = -d
	}
	return starlark.Bool(d <= e), nil
}

func digestFn(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	if _, err := measure(runOf(t), x); err != nil {
		return nil, err
	}
	var sb strings.Builder
	if err := Canonical(&sb, x); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	sum := sha256.Sum256([]byte(sb.String()))
	return starlark.String(hex.EncodeToString(sum[:])), nil
}

// Canonical writes x as canonical JSON: dict keys sorted, integral floats
// written as integers, so that a value decoded from JSON digests the same
// however its numbers were spelled.
func Canonical(sb *strings.Builder, x starlark.Value) error {
	switch v := x.(type) {
	case starlark.NoneType:
		sb.WriteString("null")
	case starlark.Bool:
		if v {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case starlark.Int:
		sb.WriteString(v.String())
	case starlark.Float:
		f := float64(v)
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			sb.WriteString(strconv.FormatInt(int64(f), 10))
		} else {
			sb.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case starlark.String:
		sb.WriteString(strconv.Quote(string(v)))
	case starlark.IterableMapping:
		items := v.Items()
		slices.SortFunc(items, func(a, b starlark.Tuple) int { return strings.Compare(a[0].String(), b[0].String()) })
		sb.WriteByte('{')
		for i, kv := range items {
			if i > 0 {
				sb.WriteByte(',')
			}
			k, ok := starlark.AsString(kv[0])
			if !ok {
				k = kv[0].String()
			}
			sb.WriteString(strconv.Quote(k))
			sb.WriteByte(':')
			if err := Canonical(sb, kv[1]); err != nil {
				return err
			}
		}
		sb.WriteByte('}')
	case starlark.Iterable:
		sb.WriteByte('[')
		it := v.Iterate()
		defer it.Done()
		var e starlark.Value
		for i := 0; it.Next(&e); i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			if err := Canonical(sb, e); err != nil {
				return err
			}
		}
		sb.WriteByte(']')
	default:
		return fmt.Errorf("cannot encode %s", x.Type())
	}
	return nil
}
