// Package sandbox runs per-instance checker programs: Starlark
// (go.starlark.net) code defining check(state, transcript) that returns
// (passed, reason). A checker gets no I/O, no load(), and only the
// builtins given here; it runs under a step limit, a wall-time limit and a
// memory bound, so a hostile or buggy checker (an infinite loop, a huge
// allocation, recursion) fails with a clear reason and the process lives on.
//
// Memory is bounded two ways: the operations that can allocate a lot in a
// single step are guarded before they run (sequence repetition x*n is
// rewritten into a checked call; range() is bounded), and a watchdog
// samples the heap every millisecond while a checker runs and cancels it
// when the heap has grown by more than the limit.
package sandbox

import (
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"runtime/metrics"
	"sort"
	"strings"
	"time"

	"go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Limits bound one checker run.
type Limits struct {
	// MaxSteps bounds Starlark execution steps.
	MaxSteps uint64
	// Timeout bounds wall time.
	Timeout time.Duration
	// MaxMemory bounds heap growth in bytes during the run.
	MaxMemory int64
	// MaxElems bounds the length of a sequence built by x*n or range().
	MaxElems int
}

// DefaultLimits are the limits checkers run under.
func DefaultLimits() Limits {
	return Limits{MaxSteps: 5_000_000, Timeout: 2 * time.Second, MaxMemory: 256 << 20, MaxElems: 1 << 20}
}

// Verdict is a checker's answer, or why it could not give one.
type Verdict struct {
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
	// Err is set when the checker itself failed: "step limit exceeded",
	// "timeout", "memory limit exceeded", "runtime error: ...", ...
	Err   string `json:"error,omitempty"`
	Steps uint64 `json:"steps"`
}

// Program is a compiled checker.
type Program struct {
	name string
	prog *starlark.Program
}

// mulName is the checked multiplication x*n is rewritten into.
const mulName = "__checked_mul"

func predeclaredNames() map[string]bool {
	return map[string]bool{mulName: true, "range": true, "json": true, "contains": true, "find": true, "lower": true}
}

// Compile parses and compiles a checker. It rejects load statements and
// programs that define no check function.
func Compile(name, src string) (*Program, error) {
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}
	f, err := opts.Parse(name, src, 0)
	if err != nil {
		return nil, fmt.Errorf("checker %s: syntax: %w", name, err)
	}
	hasCheck := false
	for _, st := range f.Stmts {
		switch s := st.(type) {
		case *syntax.LoadStmt:
			return nil, fmt.Errorf("checker %s: load() is not allowed", name)
		case *syntax.DefStmt:
			if s.Name.Name == "check" {
				hasCheck = true
				if len(s.Params) != 2 {
					return nil, fmt.Errorf("checker %s: check must take (state, transcript)", name)
				}
			}
		}
	}
	if !hasCheck {
		return nil, fmt.Errorf("checker %s: no check(state, transcript) function", name)
	}
	guardRepetition(reflect.ValueOf(f))
	pre := predeclaredNames()
	prog, err := starlark.FileProgram(f, func(s string) bool { return pre[s] })
	if err != nil {
		return nil, fmt.Errorf("checker %s: %w", name, err)
	}
	return &Program{name: name, prog: prog}, nil
}

var (
	exprType = reflect.TypeOf((*syntax.Expr)(nil)).Elem()
)

// guardRepetition rewrites every x*y into __checked_mul(x, y) and x *= y
// into x = __checked_mul(x, y), walking the syntax tree by reflection.
func guardRepetition(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			guardRepetition(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			rewriteAt(v.Index(i))
		}
	case reflect.Struct:
		if as, ok := v.Addr().Interface().(*syntax.AssignStmt); ok && as.Op == syntax.STAR_EQ {
			as.Op = syntax.EQ
			as.RHS = mulCall(as.LHS, as.RHS)
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				rewriteAt(v.Field(i))
			}
		}
	}
}

func rewriteAt(f reflect.Value) {
	if f.Type() == exprType && !f.IsNil() {
		if be, ok := f.Interface().(*syntax.BinaryExpr); ok && be.Op == syntax.STAR {
			guardRepetition(reflect.ValueOf(be.X))
			guardRepetition(reflect.ValueOf(be.Y))
			f.Set(reflect.ValueOf(mulCall(be.X, be.Y)))
			return
		}
	}
	guardRepetition(f)
}

func mulCall(x, y syntax.Expr) syntax.Expr {
	start, _ := x.Span()
	_, end := y.Span()
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: start, Name: mulName}, Lparen: start, Args: []syntax.Expr{x, y}, Rparen: end}
}

func heapBytes(s []metrics.Sample) int64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// Check runs the checker on state and transcript (plain Go values as
// encoding/json produces them: maps, slices, strings, float64, bool, nil).
func (p *Program) Check(ctx context.Context, state, transcript any, lim Limits) (v Verdict) {
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	thread := &starlark.Thread{Name: p.name, Print: func(*starlark.Thread, string) {}}
	thread.SetMaxExecutionSteps(lim.MaxSteps)
	defer func() {
		if r := recover(); r != nil {
			v = Verdict{Err: fmt.Sprintf("checker panicked: %v", r)}
		}
		v.Steps = thread.ExecutionSteps()
	}()
	sv, err := toStarlark(state)
	if err != nil {
		return Verdict{Err: "state: " + err.Error()}
	}
	tv, err := toStarlark(transcript)
	if err != nil {
		return Verdict{Err: "transcript: " + err.Error()}
	}

	// Watchdog: wall time, context and heap growth.
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	cause := make(chan string, 1)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		base := heapBytes(sample)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				reason := "timeout"
				if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
					reason = "cancelled"
				}
				cause <- reason
				thread.Cancel(reason)
				return
			case <-tick.C:
				if heapBytes(sample)-base > lim.MaxMemory {
					cause <- "memory limit exceeded"
					thread.Cancel("memory limit exceeded")
					return
				}
			}
		}
	}()

	globals, err := p.prog.Init(thread, builtins(lim))
	if err == nil {
		var ret starlark.Value
		ret, err = starlark.Call(thread, globals["check"], starlark.Tuple{sv, tv}, nil)
		if err == nil {
			return verdictOf(ret)
		}
	}
	select {
	case c := <-cause:
		return Verdict{Err: c}
	default:
	}
	msg := err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		msg = ee.Msg
	}
	switch {
	case strings.Contains(msg, "too many steps"):
		return Verdict{Err: "step limit exceeded"}
	case strings.Contains(msg, "called recursively"):
		return Verdict{Err: "recursion is not allowed: " + msg}
	}
	return Verdict{Err: "runtime error: " + msg}
}

func verdictOf(ret starlark.Value) Verdict {
	switch r := ret.(type) {
	case starlark.Tuple:
		if len(r) == 2 {
			if b, ok := r[0].(starlark.Bool); ok {
				reason, _ := starlark.AsString(r[1])
				return Verdict{Pass: bool(b), Reason: reason}
			}
		}
	case starlark.Bool:
		return Verdict{Pass: bool(r)}
	}
	return Verdict{Err: fmt.Sprintf("check must return (bool, string), got %s", ret.Type())}
}

// toStarlark converts JSON-shaped Go values (maps with string keys,
// slices, strings, numbers, booleans, nil) as the json module's decoder
// would convert their JSON encoding: objects become dicts with their keys
// in sorted order, integral numbers ints, other numbers floats. Values of
// any other type go through that JSON round trip itself.
func toStarlark(v any) (starlark.Value, error) {
	switch x := v.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(x), nil
	case string:
		return starlark.String(x), nil
	case float64:
		return numberValue(x)
	case int:
		return starlark.MakeInt(x), nil
	case int64:
		return starlark.MakeInt64(x), nil
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			ev, err := toStarlark(e)
			if err != nil {
				return nil, err
			}
			l[i] = ev
		}
		return starlark.NewList(l), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(keys))
		for _, k := range keys {
			ev, err := toStarlark(x[k])
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(starlark.String(k), ev); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return viaJSON(v)
}

// numberValue is what json.decode makes of encoding/json's text for f: an
// int when that text has no fraction or exponent.
func numberValue(f float64) (starlark.Value, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return viaJSON(f) // encoding/json refuses these: same error as before
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if math.Abs(f) < 1<<63 {
			return starlark.MakeInt64(int64(f)), nil
		}
		var bi big.Int
		new(big.Float).SetFloat64(f).Int(&bi)
		return starlark.MakeBigInt(&bi), nil
	}
	return starlark.Float(f), nil
}

func viaJSON(v any) (starlark.Value, error) {
	b, err := jsonMarshal(v)
	if err != nil {
		return nil, err
	}
	thread := &starlark.Thread{}
	decode := json.Module.Members["decode"]
	return starlark.Call(thread, decode, starlark.Tuple{starlark.String(b)}, nil)
}

func builtins(lim Limits) starlark.StringDict {
	return starlark.StringDict{
		"json": json.Module,
		mulName: starlark.NewBuiltin(mulName, func(t *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			x, y := args[0], args[1]
			n, seq := repeatCount(x, y)
			if seq >= 0 && n > 0 && int64(seq)*n > int64(lim.MaxElems) {
				return nil, fmt.Errorf("repetition of %d elements x %d exceeds the checker's bound of %d", seq, n, lim.MaxElems)
			}
			return starlark.Binary(syntax.STAR, x, y)
		}),
		"range": starlark.NewBuiltin("range", func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			r, err := starlark.Call(t, starlark.Universe["range"], args, kw)
			if err != nil {
				return nil, err
			}
			if l, ok := r.(starlark.Sequence); ok && l.Len() > lim.MaxElems {
				return nil, fmt.Errorf("range of %d elements exceeds the checker's bound of %d", l.Len(), lim.MaxElems)
			}
			return r, nil
		}),
		"contains": starlark.NewBuiltin("contains", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			var hay, needle string
			if err := starlark.UnpackPositionalArgs("contains", args, nil, 2, &hay, &needle); err != nil {
				return nil, err
			}
			return starlark.Bool(strings.Contains(normalize(hay), normalize(needle))), nil
		}),
		"lower": starlark.NewBuiltin("lower", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			var s string
			if err := starlark.UnpackPositionalArgs("lower", args, nil, 1, &s); err != nil {
				return nil, err
			}
			return starlark.String(strings.ToLower(s)), nil
		}),
		"find": starlark.NewBuiltin("find", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			var list *starlark.List
			var key string
			var val starlark.Value
			if err := starlark.UnpackPositionalArgs("find", args, nil, 3, &list, &key, &val); err != nil {
				return nil, err
			}
			for i := 0; i < list.Len(); i++ {
				if d, ok := list.Index(i).(*starlark.Dict); ok {
					if got, found, _ := d.Get(starlark.String(key)); found {
						if eq, _ := starlark.Equal(got, val); eq {
							return d, nil
						}
					}
				}
			}
			return starlark.None, nil
		}),
	}
}

// normalize is tau2's COMMUNICATE comparison: case- and comma-insensitive.
func normalize(s string) string { return strings.ReplaceAll(strings.ToLower(s), ",", "") }

// repeatCount returns (n, len(seq)) when x*y repeats a sequence, else seq -1.
func repeatCount(x, y starlark.Value) (int64, int) {
	seqLen := func(v starlark.Value) int {
		switch s := v.(type) {
		case starlark.String:
			return len(s)
		case starlark.Bytes:
			return len(s)
		case starlark.Indexable:
			return s.Len()
		}
		return -1
	}
	count := func(v starlark.Value) (int64, bool) {
		i, ok := v.(starlark.Int)
		if !ok {
			return 0, false
		}
		n, ok := i.Int64()
		if !ok {
			return 1 << 62, true
		}
		return n, true
	}
	if n, ok := count(y); ok {
		if l := seqLen(x); l >= 0 {
			return n, max(l, 1)
		}
	}
	if n, ok := count(x); ok {
		if l := seqLen(y); l >= 0 {
			return n, max(l, 1)
		}
	}
	return 0, -1
}

func jsonMarshal(v any) ([]byte, error) { return stdjson.Marshal(v) }
