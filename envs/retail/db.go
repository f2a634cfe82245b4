package retail

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/eigendata/eigendata/envs"
)

// DB is the retail database (tau2's RetailDB): products, users and orders,
// each a copy-on-write table in the order of db.json. It implements
// envs.State; the domain has no user DB.
type DB struct {
	// Products are indexed by product id.
	Products envs.Table[Product] `json:"products"`
	// Users are indexed by user id.
	Users envs.Table[User] `json:"users"`
	// Orders are indexed by order id ("#W...").
	Orders envs.Table[Order] `json:"orders"`

	// mu is shared by a DB and all its clones: envs.Table's Clone marks the
	// source table shared and Hash caches digests in records shared between
	// clones, so concurrent clones or hashes of one lineage would race.
	mu *sync.Mutex
}

// LoadDB reads a retail db.json.
func LoadDB(path string) (*DB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("retail: reading db: %w", err)
	}
	db := &DB{mu: new(sync.Mutex)}
	if err := json.Unmarshal(b, db); err != nil {
		return nil, fmt.Errorf("retail: parsing db %s: %w", path, err)
	}
	db.normalize()
	return db, nil
}

// normalize makes a loaded DB hold what pydantic validation would: a price
// difference read from a file is a float even when written as an integer.
func (d *DB) normalize() {
	for _, id := range d.Orders.Keys() {
		o, _ := d.Orders.Get(id)
		if o.ExchangePriceDifference == nil {
			continue
		}
		f, err := o.ExchangePriceDifference.Float64()
		if err != nil {
			continue
		}
		m, _ := d.Orders.Mut(id)
		m.ExchangePriceDifference = floatNumber(f)
	}
}

// floatNumber returns f as a json.Number in Python float repr.
func floatNumber(f float64) *json.Number {
	n := json.Number(pyFloatRepr(f))
	return &n
}

// lock locks the lineage's mutex, if the DB went through New or LoadDB.
func (d *DB) lock() func() {
	if d.mu == nil {
		return func() {}
	}
	d.mu.Lock()
	return d.mu.Unlock
}

// Clone returns an independent copy sharing unchanged records. Clones of one
// DB may be made and hashed from several goroutines at once.
func (d *DB) Clone() envs.State {
	defer d.lock()()
	return &DB{Products: d.Products.Clone(), Users: d.Users.Clone(), Orders: d.Orders.Clone(), mu: d.mu}
}

// Hash returns a digest of the three tables (keys, order and records) and ""
// for the absent user DB.
func (d *DB) Hash() (agent, user string) {
	defer d.lock()()
	p, u, o := d.Products.Hash(), d.Users.Hash(), d.Orders.Hash()
	return envs.Digest(p[:], u[:], o[:]), ""
}

// toolError is an error whose message is exactly the one tau2 raises.
type toolError string

func (e toolError) Error() string { return string(e) }

// Errors of the lookups, with tau2's messages.
const (
	errOrderNotFound   = toolError("Order not found")
	errUserNotFound    = toolError("User not found")
	errProductNotFound = toolError("Product not found")
	errItemNotFound    = toolError("Item not found")
	errVariantNotFound = toolError("Variant not found")
	errPaymentNotFound = toolError("Payment method not found")
)

// order is tau2's _get_order; the result is read-only.
func (d *DB) order(id string) (*Order, error) {
	o, ok := d.Orders.Get(id)
	if !ok {
		return nil, errOrderNotFound
	}
	return o, nil
}

// user is tau2's _get_user; the result is read-only.
func (d *DB) user(id string) (*User, error) {
	u, ok := d.Users.Get(id)
	if !ok {
		return nil, errUserNotFound
	}
	return u, nil
}

// product is tau2's _get_product; the result is read-only.
func (d *DB) product(id string) (*Product, error) {
	p, ok := d.Products.Get(id)
	if !ok {
		return nil, errProductNotFound
	}
	return p, nil
}

// item is tau2's _get_item: the first product (in order) with that variant.
func (d *DB) item(id string) (Variant, error) {
	for _, p := range d.Products.All() {
		if v, ok := p.Variants.Get(id); ok {
			return v, nil
		}
	}
	return Variant{}, errItemNotFound
}

// variant is tau2's _get_variant.
func (d *DB) variant(productID, itemID string) (Variant, error) {
	p, err := d.product(productID)
	if err != nil {
		return Variant{}, err
	}
	v, ok := p.Variants.Get(itemID)
	if !ok {
		return Variant{}, errVariantNotFound
	}
	return v, nil
}

// paymentMethod is tau2's _get_payment_method.
func (d *DB) paymentMethod(userID, id string) (PaymentMethod, error) {
	u, err := d.user(userID)
	if err != nil {
		return PaymentMethod{}, err
	}
	pm, ok := u.PaymentMethods.Get(id)
	if !ok {
		return PaymentMethod{}, errPaymentNotFound
	}
	return pm, nil
}

// addBalance adds delta to a user's gift card and rounds the balance to
// cents, as tau2 does after every gift card update. The card must exist.
func (d *DB) addBalance(userID, id string, delta float64) {
	u, _ := d.Users.Mut(userID)
	pm, _ := u.PaymentMethods.Get(id)
	pm.Balance = roundCents(pm.Balance + delta)
	u.PaymentMethods.Set(id, pm)
}
