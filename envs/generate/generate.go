// Package generate builds eigendata's own procedurally generated domains:
// airline- and retail-shaped databases (users, flights or products,
// reservations or orders, payment methods) from a seed, served through the
// same tools as tau2's airline and retail domains but with eigendata's own
// data and policy, so the project runs with no tau2 files.
package generate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// Options parameterise a generated database.
type Options struct {
	// Seed makes generation deterministic: the same seed gives the same DB.
	Seed int64
	// Users is the number of users (default 60).
	Users int
}

func (o Options) users() int {
	if o.Users <= 0 {
		return 60
	}
	return o.Users
}

// obj is an insertion-ordered JSON object under construction.
type obj = pyjson.OrderedMap[any]

func o(kv ...any) *obj {
	m := &obj{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

type gen struct {
	r    *rand.Rand
	used map[string]bool
}

func newGen(seed int64, stream uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(uint64(seed), stream)), used: map[string]bool{}}
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// unique returns f() until it yields an unused value.
func (g *gen) unique(f func() string) string {
	for {
		s := f()
		if !g.used[s] {
			g.used[s] = true
			return s
		}
	}
}

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func (g *gen) cents(lo, hi float64) float64 {
	return pyjson.Round(lo+g.r.Float64()*(hi-lo), 2)
}

var (
	firstNames = []string{"Ava", "Liam", "Mia", "Noah", "Emma", "Lucas", "Sofia", "Ethan", "Olivia", "Mason", "Aisha", "Yusuf", "Chen", "Mei", "Raj", "Priya", "Omar", "Lena", "Ivan", "Nora", "Mateo", "Amara", "Kenji", "Hana", "Diego", "Zara"}
	lastNames  = []string{"Garcia", "Kim", "Patel", "Nguyen", "Smith", "Rossi", "Silva", "Cohen", "Okafor", "Haddad", "Tanaka", "Novak", "Larsen", "Moreau", "Schmidt", "Costa", "Ahmed", "Khan", "Wong", "Lopez"}
	streets    = []string{"Maple Avenue", "Oak Street", "Pine Lane", "Cedar Road", "Elm Court", "Birch Way", "Willow Drive", "Lakeview Terrace", "Hillside Road", "River Street"}
	cities     = []struct{ city, state, zip string }{
		{"Portland", "OR", "97"}, {"Austin", "TX", "78"}, {"Denver", "CO", "80"}, {"Boston", "MA", "02"}, {"Chicago", "IL", "60"},
		{"Seattle", "WA", "98"}, {"Phoenix", "AZ", "85"}, {"Atlanta", "GA", "30"}, {"Miami", "FL", "33"}, {"Columbus", "OH", "43"},
	}
	cardBrands = []string{"visa", "mastercard", "amex", "discover"}
)

func (g *gen) person() (first, last string) { return g.pick(firstNames), g.pick(lastNames) }

func (g *gen) address() *obj {
	c := cities[g.r.IntN(len(cities))]
	return o("address1", fmt.Sprintf("%d %s", 100+g.r.IntN(900), g.pick(streets)),
		"address2", fmt.Sprintf("Suite %d", 100+g.r.IntN(900)),
		"city", c.city, "country", "USA", "state", c.state, "zip", c.zip+g.digits(3)[:3])
}

func (g *gen) dob(minYear, maxYear int) string {
	return fmt.Sprintf("%04d-%02d-%02d", minYear+g.r.IntN(maxYear-minYear+1), 1+g.r.IntN(12), 1+g.r.IntN(28))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("generate: %v", err))
	}
	return b
}
