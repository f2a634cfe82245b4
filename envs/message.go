package envs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Role is a message's author, as in tau2.
type Role string

// Message roles.
const (
	RoleSystem    Role = "system"
	RoleAssistant Role = "assistant"
	RoleUser      Role = "user"
	RoleTool      Role = "tool"
)

// ToolCall is a tool call made by the assistant or the user (tau2's ToolCall).
type ToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Requestor Requestor       `json:"requestor"`
}

// Message is one message of a tau2 trajectory. Tool messages carry the id
// of the call they answer in ID, the requestor who made it and the error flag.
type Message struct {
	Role      Role       `json:"role"`
	Content   string     `json:"content,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	ID        string     `json:"id,omitempty"`
	Requestor Requestor  `json:"requestor,omitempty"`
	Error     bool       `json:"error,omitempty"`
	Turn      int        `json:"turn_idx"`
}

// IsToolCall reports whether the message makes tool calls.
func (m *Message) IsToolCall() bool { return len(m.ToolCalls) > 0 }

// Digest returns the hex sha256 of the concatenated parts, each length-prefixed.
func Digest(parts ...[]byte) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		l := len(p)
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HashJSON returns the hex sha256 of v's encoding/json form, for small state
// parts that are not Tables.
func HashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("envs: hashing state: " + err.Error())
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
