package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/airline"
	"github.com/eigendata/eigendata/envs/retail"
)

// PlanConfig steers the baseline planner. The zero value plans any intent
// of the domain's family, with refusals at DefaultRefusalRate.
type PlanConfig struct {
	// Intents are the candidate intents (default: all of the family).
	Intents []Intent `json:"intents,omitempty"`
	// Intent pins the intent.
	Intent Intent `json:"intent,omitempty"`
	// RefusalRate is the probability of planning the policy-forbidden
	// variant of an intent that has both (0: DefaultRefusalRate; negative:
	// never).
	RefusalRate float64 `json:"refusal_rate,omitempty"`
	// Refusal pins the outcome: true plans refusals only, false allowed
	// requests only.
	Refusal *bool `json:"refusal,omitempty"`
	// Entity pins the (user, reservation/order) pair.
	Entity *EntityRef `json:"entity,omitempty"`
	// MaxCandidates bounds the entities tried per intent (default 300).
	MaxCandidates int `json:"max_candidates,omitempty"`
}

// DefaultRefusalRate is the share of refusals among intents that can go
// either way.
const DefaultRefusalRate = 0.3

// PlanBaseline is the rule-based scenario planner. Deterministic in seed,
// it picks an intent, decides whether to plan its allowed or its
// policy-forbidden variant, and walks the database's (user,
// reservation/order) pairs in a seeded order until one grounds the intent:
// the policy decides the outcome and every parameter (bag counts, payment
// methods, items, addresses, amounts) comes from the data. A candidate
// whose gold plan would fail (a tool error or a policy violation) is
// skipped. When no entity grounds the intent it tries the others; the
// error is a *Reject with PlanNoEntity when none does.
func PlanBaseline(dom *envs.Domain, seed int64, cfg PlanConfig) (Scenario, error) {
	fam, err := FamilyOf(dom)
	if err != nil {
		return Scenario{}, err
	}
	intents := cfg.Intents
	if cfg.Intent != "" {
		intents = []Intent{cfg.Intent}
	}
	if len(intents) == 0 {
		intents = Intents(fam)
	}
	for _, in := range intents {
		if FamilyOfIntent(in) != fam {
			return Scenario{}, reject(PlanUnknownIntent, "intent %q is not a %s intent", in, fam)
		}
	}
	ents := []EntityRef{}
	if cfg.Entity != nil {
		ents = append(ents, *cfg.Entity)
	} else if ents, err = Entities(dom); err != nil {
		return Scenario{}, err
	}
	maxc := cfg.MaxCandidates
	if maxc <= 0 {
		maxc = 300
	}
	rate := cfg.RefusalRate
	if rate == 0 {
		rate = DefaultRefusalRate
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed_51a7))
	for _, ii := range r.Perm(len(intents)) {
		in := intents[ii]
		refusal := false
		switch IntentVariants(in) {
		case RefusalOnly:
			refusal = true
		case AllowedOrRefusal:
			refusal = r.Float64() < rate
		}
		if cfg.Refusal != nil {
			if IntentVariants(in) == RefusalOnly && !*cfg.Refusal || IntentVariants(in) == AllowedOnly && *cfg.Refusal {
				continue
			}
			refusal = *cfg.Refusal
		}
		for n, ei := range r.Perm(len(ents)) {
			if n >= maxc {
				break
			}
			base := Scenario{Domain: dom.Name, Family: fam, Seed: seed, Intent: in}
			sc, ok := ground(dom, base, refusal, ents[ei], r)
			if !ok {
				continue
			}
			if bp, err := BuildBlueprint(sc); err == nil {
				if _, err := ValidateBlueprint(dom, sc, bp); err == nil {
					return sc, nil
				}
			}
		}
	}
	return Scenario{}, reject(PlanNoEntity, "no entity of %s grounds %v (refusal pinned: %v)", dom.Name, intents, cfg.Refusal != nil)
}

// ground fills sc for one entity, or reports that the entity does not fit.
func ground(dom *envs.Domain, sc Scenario, refusal bool, ref EntityRef, r *rand.Rand) (Scenario, bool) {
	switch db := dom.Initial.(type) {
	case *airline.DB:
		pol, _ := PolicyFor(dom)
		return groundAirline(db, pol.(AirlinePolicy), sc, refusal, ref, r)
	case *retail.DB:
		return groundRetail(db, sc, refusal, ref, r)
	}
	return sc, false
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

