// Package pyjson encodes Go values exactly as Python's json.dumps does with its
// default settings (", " and ": " separators, ensure_ascii, float repr), which is
// the form tau2-bench uses for every tool output an agent sees.
package pyjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Marshaler is implemented by types that write their own Python-style JSON.
type Marshaler interface {
	MarshalPyJSON(buf *bytes.Buffer) error
}

// Marshal returns the Python json.dumps encoding of v.
//
// Structs encode their exported fields in declaration order under their json
// tag names (as pydantic's model_dump does), Go maps with sorted keys (use
// OrderedMap where insertion order matters), nil slices as [] and nil
// pointers as null. json.RawMessage is re-encoded in Python style, keeping
// object key order.
func Marshal(v any) (string, error) {
	var buf bytes.Buffer
	if err := encode(&buf, reflect.ValueOf(v)); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// MustMarshal is Marshal for values known to be encodable; it panics otherwise.
func MustMarshal(v any) string {
	s, err := Marshal(v)
	if err != nil {
		panic(err)
	}
	return s
}

var (
	marshalerType = reflect.TypeFor[Marshaler]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	numberType    = reflect.TypeFor[json.Number]()
)

func encode(buf *bytes.Buffer, v reflect.Value) error {
	if !v.IsValid() {
		buf.WriteString("null")
		return nil
	}
	if v.Type() == rawType {
		return Reencode(buf, v.Bytes())
	}
	if v.Type() == numberType {
		return Reencode(buf, []byte(v.String()))
	}
	if v.Type().Implements(marshalerType) {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return v.Interface().(Marshaler).MarshalPyJSON(buf)
	}
	if v.CanAddr() && reflect.PointerTo(v.Type()).Implements(marshalerType) {
		return v.Addr().Interface().(Marshaler).MarshalPyJSON(buf)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return encode(buf, v.Elem())
	case reflect.String:
		WriteString(buf, v.String())
	case reflect.Bool:
		if v.Bool() {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		buf.WriteString(FormatFloat(v.Float()))
	case reflect.Slice, reflect.Array:
		buf.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf.WriteString(", ")
			}
			if err := encode(buf, v.Index(i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case reflect.Map:
		keys := v.MapKeys()
		strs := make([]string, len(keys))
		for i, k := range keys {
			if k.Kind() != reflect.String {
				return fmt.Errorf("pyjson: map key type %s not supported", k.Type())
			}
			strs[i] = k.String()
		}
		sort.Strings(strs)
		buf.WriteByte('{')
		for i, k := range strs {
			if i > 0 {
				buf.WriteString(", ")
			}
			WriteString(buf, k)
			buf.WriteString(": ")
			if err := encode(buf, v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case reflect.Struct:
		return encodeStruct(buf, v)
	default:
		return fmt.Errorf("pyjson: unsupported kind %s", v.Kind())
	}
	return nil
}

func encodeStruct(buf *bytes.Buffer, v reflect.Value) error {
	t := v.Type()
	buf.WriteByte('{')
	first := true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		omitEmpty := false
		if tag, ok := f.Tag.Lookup("json"); ok {
			if tag == "-" {
				continue
			}
			parts := strings.Split(tag, ",")
			if parts[0] != "" {
				name = parts[0]
			}
			for _, p := range parts[1:] {
				if p == "omitempty" || p == "omitzero" {
					omitEmpty = true
				}
			}
		}
		fv := v.Field(i)
		if omitEmpty && fv.IsZero() {
			continue
		}
		if !first {
			buf.WriteString(", ")
		}
		first = false
		WriteString(buf, name)
		buf.WriteString(": ")
		if err := encode(buf, fv); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// WriteString writes s as a JSON string literal with Python's ensure_ascii escaping.
func WriteString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				buf.WriteString(`\"`)
			case '\\':
				buf.WriteString(`\\`)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			case '\b':
				buf.WriteString(`\b`)
			case '\f':
				buf.WriteString(`\f`)
			default:
				if c < 0x20 {
					buf.WriteString(`\u00`)
					buf.WriteByte(hex[c>>4])
					buf.WriteByte(hex[c&0xf])
				} else {
					buf.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		writeU := func(u uint16) {
			buf.WriteString(`\u`)
			buf.WriteByte(hex[u>>12&0xf])
			buf.WriteByte(hex[u>>8&0xf])
			buf.WriteByte(hex[u>>4&0xf])
			buf.WriteByte(hex[u&0xf])
		}
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			writeU(uint16(r1))
			writeU(uint16(r2))
		} else {
			writeU(uint16(r))
		}
	}
	buf.WriteByte('"')
}

// Quote returns s as a Python-style JSON string literal.
func Quote(s string) string {
	var buf bytes.Buffer
	WriteString(&buf, s)
	return buf.String()
}

// FormatFloat formats f as Python's repr(float) does: shortest round-trip
// digits, at least one fractional digit in fixed notation, and scientific
// notation when the decimal exponent is below -4 or at least 16.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // e.g. -1.2345e+02
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es = "-"
			exp = -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// Round rounds f to n decimal places as Python's round(f, n) does (correctly
// rounded from the exact binary value, ties to even).
func Round(f float64, n int) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', n, 64), 64)
	return r
}

// Reencode rewrites a JSON document in Python json.dumps style, keeping object
// key order and number literals (integers stay integers; floats use repr).
func Reencode(buf *bytes.Buffer, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := reencodeValue(buf, dec); err != nil {
		return fmt.Errorf("pyjson: %w", err)
	}
	return nil
}

func reencodeValue(buf *bytes.Buffer, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			buf.WriteByte('{')
			first := true
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				if !first {
					buf.WriteString(", ")
				}
				first = false
				WriteString(buf, kt.(string))
				buf.WriteString(": ")
				if err := reencodeValue(buf, dec); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			buf.WriteByte('}')
		case '[':
			buf.WriteByte('[')
			first := true
			for dec.More() {
				if !first {
					buf.WriteString(", ")
				}
				first = false
				if err := reencodeValue(buf, dec); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			buf.WriteByte(']')
		}
	case json.Number:
		s := string(t)
		if strings.ContainsAny(s, ".eE") {
			f, err := t.Float64()
			if err != nil {
				return err
			}
			buf.WriteString(FormatFloat(f))
		} else {
			buf.WriteString(s)
		}
	case string:
		WriteString(buf, t)
	case bool:
		if t {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case nil:
		buf.WriteString("null")
	}
	return nil
}
