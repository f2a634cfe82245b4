package retail

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// roundCents is Python's round(x, 2).
func roundCents(x float64) float64 { return pyjson.Round(x, 2) }

// abs is Python's abs of a float.
func abs(x float64) float64 { return math.Abs(x) }

// pyFloatRepr is Python's repr of a finite float.
func pyFloatRepr(f float64) string { return pyjson.FormatFloat(f) }

// intNumber returns i as a json.Number, a value Python holds as an int.
func intNumber(i int) *json.Number {
	n := json.Number(strconv.Itoa(i))
	return &n
}

// sortedCopy is Python's sorted() of a list of strings (code point order).
func sortedCopy(ids []string) *[]string {
	out := slices.Clone(ids)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return &out
}
