package telecom

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// This file holds a minimal TOML reader for the subset tau2's db.toml and
// user_db.toml use: comments, [table] and [[array.of.tables]] headers with
// dotted names, and "key = value" lines whose values are basic or literal
// strings, integers, floats, booleans or (possibly multi-line) arrays of
// those. The document is converted to JSON with key order preserved, so it
// can be decoded into the record types with encoding/json.

// tomlTable is a TOML table whose key order is kept.
type tomlTable = pyjson.OrderedMap[any]

// tomlToJSON parses a TOML document and returns it as a JSON object.
func tomlToJSON(src string) ([]byte, error) {
	root, err := parseTOML(src)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	writeTOMLJSON(&buf, root)
	return buf.Bytes(), nil
}

func writeTOMLJSON(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case *tomlTable:
		buf.WriteByte('{')
		for i, k := range x.Keys() {
			if i > 0 {
				buf.WriteByte(',')
			}
			pyjson.WriteString(buf, k)
			buf.WriteByte(':')
			val, _ := x.Get(k)
			writeTOMLJSON(buf, val)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeTOMLJSON(buf, e)
		}
		buf.WriteByte(']')
	case string:
		pyjson.WriteString(buf, x)
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case float64:
		buf.WriteString(pyjson.FormatFloat(x))
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	}
}

type tomlParser struct {
	src  string
	pos  int
	line int
}

func (p *tomlParser) errf(format string, args ...any) error {
	return fmt.Errorf("toml line %d: %s", p.line, fmt.Sprintf(format, args...))
}

// parseTOML parses src into nested tables; arrays of tables are []any of *tomlTable.
func parseTOML(src string) (*tomlTable, error) {
	p := &tomlParser{src: src, line: 1}
	root := &tomlTable{}
	cur := root
	for {
		p.skipBlank()
		if p.pos >= len(p.src) {
			return root, nil
		}
		switch {
		case strings.HasPrefix(p.src[p.pos:], "[["):
			p.pos += 2
			path, err := p.headerPath("]]")
			if err != nil {
				return nil, err
			}
			if cur, err = p.openArrayTable(root, path); err != nil {
				return nil, err
			}
		case p.src[p.pos] == '[':
			p.pos++
			path, err := p.headerPath("]")
			if err != nil {
				return nil, err
			}
			if cur, err = p.openTable(root, path); err != nil {
				return nil, err
			}
		default:
			key, err := p.key()
			if err != nil {
				return nil, err
			}
			p.skipSpaces()
			if p.pos >= len(p.src) || p.src[p.pos] != '=' {
				return nil, p.errf("expected '=' after key %q", key)
			}
			p.pos++
			p.skipSpaces()
			val, err := p.value()
			if err != nil {
				return nil, err
			}
			if _, dup := cur.Get(key); dup {
				return nil, p.errf("duplicate key %q", key)
			}
			cur.Set(key, val)
		}
		if err := p.endOfLine(); err != nil {
			return nil, err
		}
	}
}

// headerPath reads a dotted table name up to the closing bracket(s).
func (p *tomlParser) headerPath(closer string) ([]string, error) {
	end := strings.Index(p.src[p.pos:], closer)
	nl := strings.IndexByte(p.src[p.pos:], '\n')
	if end < 0 || (nl >= 0 && nl < end) {
		return nil, p.errf("unterminated table header")
	}
	raw := p.src[p.pos : p.pos+end]
	p.pos += end + len(closer)
	var path []string
	for _, part := range strings.Split(raw, ".") {
		part = strings.TrimSpace(part)
		if len(part) >= 2 && part[0] == '"' && part[len(part)-1] == '"' {
			part = part[1 : len(part)-1]
		}
		if part == "" {
			return nil, p.errf("empty table name component in %q", raw)
		}
		path = append(path, part)
	}
	return path, nil
}

// descend walks to the table named by path, creating tables as needed; an
// array of tables along the way resolves to its last element.
func (p *tomlParser) descend(root *tomlTable, path []string) (*tomlTable, error) {
	t := root
	for _, name := range path {
		v, ok := t.Get(name)
		if !ok {
			nt := &tomlTable{}
			t.Set(name, nt)
			t = nt
			continue
		}
		switch x := v.(type) {
		case *tomlTable:
			t = x
		case []any:
			if len(x) == 0 {
				return nil, p.errf("key %q is not a table", name)
			}
			last, ok := x[len(x)-1].(*tomlTable)
			if !ok {
				return nil, p.errf("key %q is not a table", name)
			}
			t = last
		default:
			return nil, p.errf("key %q is not a table", name)
		}
	}
	return t, nil
}

func (p *tomlParser) openTable(root *tomlTable, path []string) (*tomlTable, error) {
	return p.descend(root, path)
}

func (p *tomlParser) openArrayTable(root *tomlTable, path []string) (*tomlTable, error) {
	parent, err := p.descend(root, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	name := path[len(path)-1]
	nt := &tomlTable{}
	v, ok := parent.Get(name)
	if !ok {
		parent.Set(name, []any{nt})
		return nt, nil
	}
	arr, isArr := v.([]any)
	if !isArr {
		return nil, p.errf("key %q is not an array of tables", name)
	}
	parent.Set(name, append(arr, nt))
	return nt, nil
}

func (p *tomlParser) key() (string, error) {
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		return p.basicString()
	}
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			p.pos++
			continue
		}
		break
	}
	if p.pos == start {
		return "", p.errf("expected a key")
	}
	return p.src[start:p.pos], nil
}

func (p *tomlParser) value() (any, error) {
	if p.pos >= len(p.src) {
		return nil, p.errf("missing value")
	}
	switch c := p.src[p.pos]; {
	case c == '"':
		return p.basicString()
	case c == '\'':
		end := strings.IndexByte(p.src[p.pos+1:], '\'')
		if end < 0 {
			return nil, p.errf("unterminated literal string")
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return s, nil
	case c == '[':
		return p.array()
	case c == '{':
		return nil, p.errf("inline tables are not supported")
	}
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n,]#", rune(p.src[p.pos])) {
		p.pos++
	}
	tok := p.src[start:p.pos]
	switch tok {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	clean := strings.ReplaceAll(tok, "_", "")
	if i, err := strconv.ParseInt(clean, 10, 64); err == nil {
		return i, nil
	}
	if strings.ContainsAny(clean, ".eE") {
		if f, err := strconv.ParseFloat(clean, 64); err == nil {
			return f, nil
		}
	}
	return nil, p.errf("unsupported value %q", tok)
}

func (p *tomlParser) array() (any, error) {
	p.pos++ // '['
	out := []any{}
	for {
		p.skipBlank()
		if p.pos >= len(p.src) {
			return nil, p.errf("unterminated array")
		}
		if p.src[p.pos] == ']' {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipBlank()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		}
	}
}

func (p *tomlParser) basicString() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\n':
			return "", p.errf("newline in string")
		case '\\':
			if p.pos+1 >= len(p.src) {
				return "", p.errf("bad escape")
			}
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\':
				b.WriteByte(e)
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if p.pos+n > len(p.src) {
					return "", p.errf("bad unicode escape")
				}
				r, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
				if err != nil {
					return "", p.errf("bad unicode escape")
				}
				b.WriteRune(rune(r))
				p.pos += n
			default:
				return "", p.errf("bad escape \\%c", e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errf("unterminated string")
}

// skipSpaces skips spaces and tabs.
func (p *tomlParser) skipSpaces() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// skipBlank skips whitespace, newlines and comments.
func (p *tomlParser) skipBlank() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r':
			p.pos++
		case '\n':
			p.pos++
			p.line++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// endOfLine requires only spaces and an optional comment before the newline.
func (p *tomlParser) endOfLine() error {
	p.skipSpaces()
	if p.pos < len(p.src) && p.src[p.pos] == '#' {
		for p.pos < len(p.src) && p.src[p.pos] != '\n' {
			p.pos++
		}
	}
	if p.pos < len(p.src) && p.src[p.pos] == '\r' {
		p.pos++
	}
	if p.pos < len(p.src) && p.src[p.pos] != '\n' {
		return p.errf("unexpected %q after value", p.src[p.pos])
	}
	return nil
}
