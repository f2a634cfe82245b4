package telecom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eigendata/eigendata/envs"
)

// AgentDB is the agent database (tau2's TelecomDB). tau2 keeps lists and
// finds records by scanning them for the first matching id; here each list
// is a copy-on-write Table keyed by id in list order, which finds the same
// record. A record whose id repeats an earlier one (possible only for bills
// added with a caller-chosen id) is stored under a derived key, so that it
// keeps its list position but lookups by id still return the first.
type AgentDB struct {
	Plans     envs.Table[Plan]
	Customers envs.Table[Customer]
	Lines     envs.Table[Line]
	Bills     envs.Table[Bill]
	Devices   envs.Table[Device]
}

func (db *AgentDB) clone() AgentDB {
	return AgentDB{
		Plans:     db.Plans.Clone(),
		Customers: db.Customers.Clone(),
		Lines:     db.Lines.Clone(),
		Bills:     db.Bills.Clone(),
		Devices:   db.Devices.Clone(),
	}
}

// State is the telecom environment's state: both databases. It implements
// envs.State.
type State struct {
	// DB is the agent database.
	DB AgentDB
	// User is the user database.
	User UserDB
	// vpn reproduces an aliasing quirk of tau2: connect_vpn sets the
	// device's VPN details to a shared default object, which break_vpn then
	// degrades in place, so later connections are poor too. (In tau2 the
	// object is a class attribute shared by the whole process; here the
	// effect is confined to one environment and its clones.)
	vpn vpnAlias
}

// vpnAlias tracks tau2's shared default VPN details.
type vpnAlias struct {
	// Shared is set while the device's details are the default object.
	Shared bool
	// Poor is set once break_vpn has degraded the default object.
	Poor bool
}

// Clone returns an independent copy; tables are shared copy-on-write.
func (s *State) Clone() envs.State {
	return &State{DB: s.DB.clone(), User: s.User.clone(), vpn: s.vpn}
}

// Hash returns digests of the agent DB and the user DB.
func (s *State) Hash() (agent, user string) {
	p, c, l, b, d := s.DB.Plans.Hash(), s.DB.Customers.Hash(), s.DB.Lines.Hash(), s.DB.Bills.Hash(), s.DB.Devices.Hash()
	agent = envs.Digest(p[:], c[:], l[:], b[:], d[:])
	uj, err := json.Marshal(s.User)
	if err != nil {
		panic("telecom: hashing user DB: " + err.Error())
	}
	user = envs.Digest(uj, []byte(fmt.Sprintf("%t/%t", s.vpn.Shared, s.vpn.Poor)))
	return agent, user
}

// insert appends a record to a table under its id, or under a derived key
// when the id is already taken (a duplicate in tau2's list).
func insert[T any](t *envs.Table[T], id string, v T) {
	key := id
	for n := 2; t.Has(key); n++ {
		key = id + "\x00" + strconv.Itoa(n)
	}
	t.Set(key, v)
}

// loadState reads db.toml and user_db.toml from dir.
func loadState(dir string) (*State, error) {
	st := &State{}
	if err := loadAgentDB(dir+"/db.toml", &st.DB); err != nil {
		return nil, err
	}
	if err := loadUserDB(dir+"/user_db.toml", &st.User); err != nil {
		return nil, err
	}
	return st, nil
}

func readTOML(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	j, err := tomlToJSON(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return j, nil
}

// decodeStrict decodes JSON into v, rejecting unknown fields as tau2's
// extra="forbid" models do; v holds the model defaults beforehand.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func loadAgentDB(path string, db *AgentDB) error {
	j, err := readTOML(path)
	if err != nil {
		return err
	}
	var raw struct {
		Plans     []json.RawMessage `json:"plans"`
		Customers []json.RawMessage `json:"customers"`
		Lines     []json.RawMessage `json:"lines"`
		Bills     []json.RawMessage `json:"bills"`
		Devices   []json.RawMessage `json:"devices"`
	}
	if err := decodeStrict(j, &raw); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range raw.Plans {
		var p Plan
		if err := decodeStrict(r, &p); err != nil {
			return fmt.Errorf("%s: plan: %w", path, err)
		}
		insert(&db.Plans, p.PlanID, p)
	}
	for _, r := range raw.Customers {
		c := Customer{AccountStatus: "Pending Verification", PaymentMethods: []PaymentMethod{}, LineIDs: []string{}, BillIDs: []string{}}
		if err := decodeStrict(r, &c); err != nil {
			return fmt.Errorf("%s: customer: %w", path, err)
		}
		if c.CreatedAt == "" {
			c.CreatedAt = "2025-01-01" // the unvalidated default is a date
		} else if c.CreatedAt, err = pyDatetime(c.CreatedAt); err != nil {
			return fmt.Errorf("%s: customer %s: %w", path, c.CustomerID, err)
		}
		insert(&db.Customers, c.CustomerID, c)
	}
	for _, r := range raw.Lines {
		l := Line{Status: LinePendingActivation}
		if err := decodeStrict(r, &l); err != nil {
			return fmt.Errorf("%s: line: %w", path, err)
		}
		if !l.DataUsedGB.IsNumber() {
			return fmt.Errorf("%s: line %s: data_used_gb is not a number", path, l.LineID)
		}
		l.DataUsedGB = FloatNum(l.DataUsedGB.V) // pydantic validates it to a float
		insert(&db.Lines, l.LineID, l)
	}
	for _, r := range raw.Bills {
		b := Bill{LineItems: []LineItem{}, Status: BillDraft}
		if err := decodeStrict(r, &b); err != nil {
			return fmt.Errorf("%s: bill: %w", path, err)
		}
		insert(&db.Bills, b.BillID, b)
	}
	for _, r := range raw.Devices {
		var d Device
		if err := decodeStrict(r, &d); err != nil {
			return fmt.Errorf("%s: device: %w", path, err)
		}
		for _, f := range []**string{&d.ActivationDate, &d.LastESIMTransferDate} {
			if *f != nil {
				s, err := pyDatetime(**f)
				if err != nil {
					return fmt.Errorf("%s: device %s: %w", path, d.DeviceID, err)
				}
				*f = &s
			}
		}
		insert(&db.Devices, d.DeviceID, d)
	}
	return nil
}

func loadUserDB(path string, u *UserDB) error {
	j, err := readTOML(path)
	if err != nil {
		return err
	}
	*u = UserDB{Device: defaultPhone(), Surroundings: defaultSurroundings()}
	if err := decodeStrict(j, u); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if v := u.Device.VPNDetails; v != nil && v.ServerPerformance == "" {
		v.ServerPerformance = PerfUnknown
	}
	return nil
}

// pyDatetime parses a datetime as pydantic does and returns Python's
// str(datetime): "YYYY-MM-DD HH:MM:SS" (a date-only value is midnight).
func pyDatetime(s string) (string, error) {
	if len(s) == len("2006-01-02") {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return "", fmt.Errorf("invalid datetime %q", s)
		}
		return s + " 00:00:00", nil
	}
	norm := strings.Replace(s, " ", "T", 1)
	t, err := time.Parse("2006-01-02T15:04:05.999999", norm)
	if err != nil {
		return "", fmt.Errorf("invalid datetime %q", s)
	}
	out := t.Format(time.DateTime)
	if us := t.Nanosecond() / 1000; us != 0 {
		out += fmt.Sprintf(".%06d", us)
	}
	return out, nil
}
