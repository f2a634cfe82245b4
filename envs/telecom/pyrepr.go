package telecom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// Python repr() and str() helpers for the strings tau2's user tools build
// with f-strings, and for pydantic's validation error messages.

// pyInt is Python's str(int).
func pyInt(i int64) string { return strconv.FormatInt(i, 10) }

// pyStrRepr is Python's repr(str).
func pyStrRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && !unicode.IsPrint(r):
			switch {
			case r < 0x100:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r > 0xffff:
				fmt.Fprintf(&b, `\U%08x`, r)
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyValue decodes a JSON value as Python's json.loads would: objects keep
// their key order (*pyjson.OrderedMap[any]), numbers stay json.Number.
func pyValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return pyDecode(dec)
}

func pyDecode(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			out := []any{}
			for dec.More() {
				v, err := pyDecode(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := dec.Token()
			return out, err
		}
		m := &pyjson.OrderedMap[any]{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := pyDecode(dec)
			if err != nil {
				return nil, err
			}
			m.Set(k.(string), v)
		}
		_, err := dec.Token()
		return m, err
	}
	return tok, nil
}

// isPyInt reports whether a JSON number is a Python int.
func isPyInt(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// pyTypeName is the Python type name of a pyValue.
func pyTypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case json.Number:
		if isPyInt(x) {
			return "int"
		}
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	}
	return "dict"
}

// pyRepr is Python's repr() of a pyValue.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return pyBool(x)
	case json.Number:
		if isPyInt(x) {
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return strconv.FormatInt(i, 10)
			}
			return string(x)
		}
		f, _ := x.Float64()
		return pyjson.FormatFloat(f)
	case string:
		return pyStrRepr(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *pyjson.OrderedMap[any]:
		parts := make([]string, 0, x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			parts = append(parts, pyStrRepr(k)+": "+pyRepr(e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyStrList is repr() of a list of str.
func pyStrList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = pyStrRepr(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pyOptStrRepr is repr() of an Optional[str].
func pyOptStrRepr(s *string) string {
	if s == nil {
		return "None"
	}
	return pyStrRepr(*s)
}

// pyOptStr is str() of an Optional[str].
func pyOptStr(s *string) string {
	if s == nil {
		return "None"
	}
	return *s
}

// enumRepr is repr() of a str Enum member, e.g. <PerformanceLevel.POOR: 'poor'>.
func enumRepr(class, value string) string {
	return "<" + class + "." + strings.ToUpper(value) + ": " + pyStrRepr(value) + ">"
}
