// Package checker runs per-instance checker programs in a sandbox. A
// checker is Starlark code (go.starlark.net) defining
//
//	def check(state, transcript):
//	    ...
//	    return (passed, reason)      # or {"pass": passed, "reason": reason}
//
// where state is the domain database (table -> key -> record, converted
// from the environment's JSON state, lazily when given as Tables) and
// transcript is the list of messages (dicts with role, content,
// tool_calls [{name, arguments}], and for tool messages the output).
//
// # Sandbox
//
// A checker has no I/O: no load(), and only Starlark's universal builtins
// plus the helpers listed by Builtins. It runs under Limits:
//
//   - Steps: thread.SetMaxExecutionSteps; an endless loop fails with
//     "step limit exceeded".
//   - Time: the context's deadline and Limits.Timeout cancel the thread
//     ("timeout"); the interpreter observes cancellation between steps.
//   - Memory: starlark-go has no allocator hook, so memory is bounded two
//     ways. (1) Operations that can build a huge value in a single step
//     are guarded before they run: the compiler rewrites x*n, x%y and the
//     string methods join, replace and format into checked builtins, and
//     range, str, repr, print, fail and json.* check the size of what they
//     would build; each fails with "memory limit exceeded" past
//     MaxMemory/2. (2) A watchdog samples the process heap
//     (runtime/metrics /memory/classes/heap/objects:bytes) every
//     millisecond while the checker runs and cancels it once the heap has
//     grown by more than MaxMemory since it started. The granularity is
//     one sample period plus one step, so a checker may overshoot by what
//     it allocates in about a millisecond, and since the heap is shared,
//     allocation by other goroutines counts too: with checkers running
//     concurrently in one process, give MaxMemory headroom (or retry a
//     memory failure once, as synth.Verify does).
//   - Recursion: Starlark's default is kept, so a function that calls
//     itself fails with "recursion depth exceeded"; values nested deeper
//     than MaxDepth are refused by the input conversion, json.decode and
//     the rendering builtins, which walk values recursively in Go.
//   - Panics in Go code reached from the checker are recovered.
//
// A checker that stays inside one long built-in call (some operations,
// such as comparing or hashing a huge shared structure, cannot be guarded
// or interrupted) is abandoned: Check returns its timeout or memory
// verdict once the thread has not stopped a short grace period after
// being cancelled, and the goroutine finishes in the background.
// Isolation stronger than that needs a separate process.
package checker

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
)

// Failure kinds: Verdict.Err starts with one of them.
const (
	FailSteps     = "step limit exceeded"
	FailTimeout   = "timeout"
	FailCancelled = "cancelled"
	FailMemory    = "memory limit exceeded"
	FailDepth     = "recursion depth exceeded"
	FailRuntime   = "runtime error"
	FailResult    = "bad result"
	FailCompile   = "compile error"
	FailInput     = "bad input"
	FailInternal  = "internal error"
)

// maxReasonBytes bounds the reason a checker returns.
const maxReasonBytes = 2 << 10

// memSample is the watchdog's heap sampling period.
const memSample = time.Millisecond

// Verdict is a checker's answer, or why it could not give one.
type Verdict struct {
	// Pass is the checker's verdict; always false when Err is set.
	Pass bool `json:"pass"`
	// Reason is the checker's explanation.
	Reason string `json:"reason"`
	// Err is set when the checker itself failed; it starts with one of the
	// Fail* kinds, e.g. "step limit exceeded" or "runtime error: ...".
	Err string `json:"error,omitempty"`
	// Steps is the number of Starlark steps executed.
	Steps uint64 `json:"steps"`
	// Duration is the wall time of the run.
	Duration time.Duration `json:"duration_ns"`
	// Log is what the checker printed (first 4 KiB).
	Log string `json:"log,omitempty"`
}

// Failed reports whether the run failed with the given kind (a Fail* constant).
func (v Verdict) Failed(kind string) bool { return v.Err != "" && strings.HasPrefix(v.Err, kind) }

// Run compiles src and checks it, reporting a compile error as a verdict.
func Run(ctx context.Context, name, src string, state, transcript any, lim Limits) Verdict {
	p, err := Compile(name, src)
	if err != nil {
		return Verdict{Err: FailCompile + ": " + strings.TrimPrefix(err.Error(), ErrCompile.Error()+": ")}
	}
	return p.Check(ctx, state, transcript, lim)
}

type outcome struct {
	ret   starlark.Value
	err   error
	steps uint64
	log   string
	panic any
}

// Check runs the checker on state and transcript (any value ToValue
// accepts; Tables gives a lazily converted state) under lim. It never
// panics and returns once the checker finished or was stopped; a sandbox
// failure is reported in Verdict.Err with Pass false.
func (p *Program) Check(ctx context.Context, state, transcript any, lim Limits) (v Verdict) {
	start := time.Now()
	lim = lim.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			v = Verdict{Err: fmt.Sprintf("%s: panic: %v", FailInternal, r)}
		}
		v.Duration = time.Since(start)
	}()
	if err := ctx.Err(); err != nil {
		return Verdict{Err: FailCancelled + ": " + err.Error()}
	}
	sv, err := ToValue(state, lim.MaxDepth)
	if err != nil {
		return Verdict{Err: inputErr("state", err)}
	}
	tv, err := ToValue(transcript, lim.MaxDepth)
	if err != nil {
		return Verdict{Err: inputErr("transcript", err)}
	}

	r := &run{lim: lim}
	thread := &starlark.Thread{Name: p.name, Print: func(*starlark.Thread, string) {}}
	thread.SetLocal(runKey, r)
	thread.SetMaxExecutionSteps(lim.MaxSteps)
	var cause atomic.Pointer[string]
	trip := func(reason string) {
		cause.CompareAndSwap(nil, &reason)
		r.stop.Store(true)
		thread.Cancel(reason)
	}
	thread.OnMaxSteps = func(*starlark.Thread) { trip(FailSteps) }

	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if rec := recover(); rec != nil {
				o = outcome{panic: rec}
			}
			o.steps = thread.ExecutionSteps()
			o.log = r.log.String()
			done <- o
		}()
		globals, err := p.prog.Init(thread, p.predeclared)
		if err != nil {
			o.err = err
			return
		}
		fn, ok := globals["check"]
		if !ok {
			o.err = errors.New("check is not defined")
			return
		}
		o.ret, o.err = starlark.Call(thread, fn, starlark.Tuple{sv, tv}, nil)
	}()

	wctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	base := heapBytes(sample)
	tick := time.NewTicker(memSample)
	defer tick.Stop()
	var memDetail string
watch:
	for {
		select {
		case o := <-done:
			return verdictOf(o, cause.Load(), memDetail)
		case <-wctx.Done():
			if ctx.Err() != nil {
				trip(FailCancelled)
			} else {
				trip(FailTimeout)
			}
			break watch
		case <-tick.C:
			if grown := heapBytes(sample) - base; grown > lim.MaxMemory {
				memDetail = fmt.Sprintf("heap grew by %d MiB while the checker ran (limit %d MiB)", grown>>20, lim.MaxMemory>>20)
				trip(FailMemory)
				break watch
			}
		}
	}
	grace := time.NewTimer(lim.grace())
	defer grace.Stop()
	select {
	case o := <-done:
		return verdictOf(o, cause.Load(), memDetail)
	case <-grace.C:
		reason := *cause.Load()
		if memDetail != "" {
			reason += ": " + memDetail
		}
		return Verdict{Err: reason + " (abandoned: the checker did not stop within " + lim.grace().String() + " of being cancelled)"}
	}
}

func inputErr(what string, err error) string {
	var le *limitError
	if errors.As(err, &le) {
		return le.kind + ": " + what + ": " + le.msg
	}
	return FailInput + ": " + what + ": " + err.Error()
}

func heapBytes(s []metrics.Sample) int64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// verdictOf turns a finished run into a verdict.
func verdictOf(o outcome, cause *string, memDetail string) Verdict {
	v := Verdict{Steps: o.steps, Log: o.log}
	switch {
	case o.panic != nil:
		v.Err = fmt.Sprintf("%s: panic: %v", FailInternal, o.panic)
		return v
	case cause != nil:
		v.Err = *cause
		if *cause == FailMemory && memDetail != "" {
			v.Err += ": " + memDetail
		}
		return v
	case o.err != nil:
		v.Err = classify(o.err)
		return v
	}
	pass, reason, err := result(o.ret)
	if err != nil {
		v.Err = FailResult + ": " + err.Error()
		return v
	}
	if len(reason) > maxReasonBytes {
		reason = reason[:maxReasonBytes] + "..."
	}
	v.Pass, v.Reason = pass, reason
	return v
}

// classify names a Starlark error.
func classify(err error) string {
	var le *limitError
	if errors.As(err, &le) {
		return le.kind + ": " + le.msg
	}
	msg := err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		msg = ee.Msg
		for i := range ee.CallStack {
			if fr := ee.CallStack.At(i); fr.Pos.IsValid() && fr.Pos.Filename() != "<builtin>" {
				msg = fmt.Sprintf("%s (at %s, in %s)", msg, fr.Pos, fr.Name)
				break
			}
		}
	}
	if strings.Contains(msg, "called recursively") {
		return FailDepth + ": recursion is not allowed: " + msg
	}
	return FailRuntime + ": " + msg
}

// result reads check's return value: (bool, str), (bool,), bool, a list
// of the same, or a dict {"pass": bool, "reason": str}.
func result(ret starlark.Value) (bool, string, error) {
	reasonOf := func(r starlark.Value) (string, error) {
		switch s := r.(type) {
		case starlark.String:
			return string(s), nil
		case starlark.NoneType:
			return "", nil
		}
		return "", fmt.Errorf("reason is %s, want string", r.Type())
	}
	var parts []starlark.Value
	switch r := ret.(type) {
	case starlark.Bool:
		return bool(r), "", nil
	case starlark.Tuple:
		parts = r
	case *starlark.List:
		for i := 0; i < r.Len(); i++ {
			parts = append(parts, r.Index(i))
		}
	case *starlark.Dict:
		p, ok, _ := r.Get(starlark.String("pass"))
		if !ok {
			p, ok, _ = r.Get(starlark.String("passed"))
		}
		b, isBool := p.(starlark.Bool)
		if !ok || !isBool {
			return false, "", fmt.Errorf("check returned a dict without a bool \"pass\"")
		}
		reason := ""
		if rv, ok, _ := r.Get(starlark.String("reason")); ok {
			s, err := reasonOf(rv)
			if err != nil {
				return false, "", err
			}
			reason = s
		}
		return bool(b), reason, nil
	default:
		return false, "", fmt.Errorf("check returned %s, want (bool, string)", ret.Type())
	}
	if len(parts) < 1 || len(parts) > 2 {
		return false, "", fmt.Errorf("check returned a %s of %d items, want (bool, string)", ret.Type(), len(parts))
	}
	b, ok := parts[0].(starlark.Bool)
	if !ok {
		return false, "", fmt.Errorf("check returned (%s, ...), want (bool, string)", parts[0].Type())
	}
	if len(parts) == 1 {
		return bool(b), "", nil
	}
	reason, err := reasonOf(parts[1])
	if err != nil {
		return false, "", err
	}
	return bool(b), reason, nil
}
