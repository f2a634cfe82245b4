package telecom

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// pydanticVersion is the pydantic minor version tau2 pins (2.12.4 in its
// uv.lock); it appears in the documentation links of validation errors.
const pydanticVersion = "2.12"

// valError is one line of a pydantic ValidationError.
type valError struct {
	loc, msg, typ string
	input         any
}

// pydanticError formats errors as str(ValidationError) does.
func pydanticError(model string, errs []valError) error {
	var b strings.Builder
	plural := ""
	if len(errs) > 1 {
		plural = "s"
	}
	fmt.Fprintf(&b, "%d validation error%s for %s", len(errs), plural, model)
	for _, e := range errs {
		fmt.Fprintf(&b, "\n%s\n  %s [type=%s, input_value=%s, input_type=%s]\n    For further information visit https://errors.pydantic.dev/%s/v/%s",
			e.loc, e.msg, e.typ, truncateRepr(pyRepr(e.input)), pyTypeName(e.input), pydanticVersion, e.typ)
	}
	return fmt.Errorf("%s", b.String())
}

// truncateRepr shortens a long input_value repr as pydantic-core does.
func truncateRepr(s string) string {
	r := []rune(s)
	if len(r) <= 50 {
		return s
	}
	return string(r[:25]) + "..." + string(r[len(r)-24:])
}

// parseAPNSettings is APNSettings(**apn_settings) for a JSON argument:
// pydantic's lax validation of each field, defaults for absent ones, and
// extra_forbidden for unknown keys. A non-object argument fails as tau2's
// f-string does on it (tau2 also stores that value in the device first,
// breaking later calls; that corruption is not reproduced).
func parseAPNSettings(raw json.RawMessage) (APNSettings, error) {
	v, err := pyValue(raw)
	if err != nil {
		return APNSettings{}, fmt.Errorf("invalid arguments: %w", err)
	}
	m, ok := v.(*pyjson.OrderedMap[any])
	if !ok {
		return APNSettings{}, fmt.Errorf("'%s' object has no attribute 'apn_name'", pyTypeName(v))
	}
	out := defaultAPNSettings()
	var errs []valError
	fail := func(loc, msg, typ string, in any) { errs = append(errs, valError{loc, msg, typ, in}) }
	if in, ok := m.Get("apn_name"); ok {
		if s, isStr := in.(string); isStr && (s == string(APNInternet) || s == string(APNBroken)) {
			out.APNName = APNName(s)
		} else {
			fail("apn_name", "Input should be 'internet' or 'broken'", "enum", in)
		}
	}
	if in, ok := m.Get("reset_at_reboot"); ok {
		if b, e := laxBool(in); e != nil {
			errs = append(errs, valError{"reset_at_reboot", e.msg, e.typ, in})
		} else {
			out.ResetAtReboot = b
		}
	}
	for _, f := range []struct {
		name string
		dst  **string
	}{{"mms_apn", &out.MMSAPN}, {"mmsc_url", &out.MMSCURL}, {"mms_proxy", &out.MMSProxy}} {
		in, ok := m.Get(f.name)
		if !ok {
			continue
		}
		switch x := in.(type) {
		case nil:
			*f.dst = nil
		case string:
			*f.dst = ptr(x)
		default:
			fail(f.name, "Input should be a valid string", "string_type", in)
		}
	}
	if in, ok := m.Get("mms_port"); ok {
		if in == nil {
			out.MMSPort = nil
		} else if i, e := laxInt(in); e != nil {
			errs = append(errs, valError{"mms_port", e.msg, e.typ, in})
		} else {
			out.MMSPort = &i
		}
	}
	for _, k := range m.Keys() {
		switch k {
		case "apn_name", "reset_at_reboot", "mms_apn", "mmsc_url", "mms_proxy", "mms_port":
			continue
		}
		in, _ := m.Get(k)
		fail(k, "Extra inputs are not permitted", "extra_forbidden", in)
	}
	if len(errs) > 0 {
		return APNSettings{}, pydanticError("APNSettings", errs)
	}
	return out, nil
}

// laxBool is pydantic's lax bool validation.
func laxBool(in any) (bool, *valError) {
	switch x := in.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(x) {
		case "0", "off", "f", "false", "n", "no":
			return false, nil
		case "1", "on", "t", "true", "y", "yes":
			return true, nil
		}
		return false, &valError{msg: "Input should be a valid boolean, unable to interpret input", typ: "bool_parsing"}
	case json.Number:
		f, _ := x.Float64()
		if f == 0 || f == 1 {
			return f == 1, nil
		}
		if isPyInt(x) {
			return false, &valError{msg: "Input should be a valid boolean, unable to interpret input", typ: "bool_parsing"}
		}
	}
	return false, &valError{msg: "Input should be a valid boolean", typ: "bool_type"}
}

// laxInt is pydantic's lax int validation.
func laxInt(in any) (int64, *valError) {
	switch x := in.(type) {
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case json.Number:
		if isPyInt(x) {
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return i, nil
			}
		}
		return intFromFloat(x.Float64())
	case string:
		t := strings.TrimSpace(x)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && f == math.Trunc(f) && !math.IsInf(f, 0) && math.Abs(f) < 1<<63 {
			return int64(f), nil
		}
		return 0, &valError{msg: "Input should be a valid integer, unable to parse string as an integer", typ: "int_parsing"}
	}
	return 0, &valError{msg: "Input should be a valid integer", typ: "int_type"}
}

func intFromFloat(f float64, err error) (int64, *valError) {
	switch {
	case err != nil || math.IsInf(f, 0) || math.Abs(f) >= 1<<63:
		return 0, &valError{msg: "Unable to parse input string as an integer, exceeded maximum size", typ: "int_parsing_size"}
	case f != math.Trunc(f):
		return 0, &valError{msg: "Input should be a valid integer, got a number with a fractional part", typ: "int_from_float"}
	}
	return int64(f), nil
}
