package retail

import (
	"encoding/json"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// Order statuses, as tau2's OrderStatus literal.
const (
	StatusProcessed         = "processed"
	StatusPending           = "pending"
	StatusPendingModified   = "pending (item modified)"
	StatusDelivered         = "delivered"
	StatusCancelled         = "cancelled"
	StatusExchangeRequested = "exchange requested"
	StatusReturnRequested   = "return requested"
)

// Transaction types of an OrderPayment.
const (
	TransactionPayment = "payment"
	TransactionRefund  = "refund"
)

// Variant is a specific variant (item) of a product with its options,
// availability and price (tau2's Variant).
type Variant struct {
	// ItemID is the variant's unique id (its key in Product.Variants).
	ItemID string `json:"item_id"`
	// Options maps option names to values, e.g. color: blue.
	Options pyjson.OrderedMap[string] `json:"options"`
	// Available reports whether the variant is in stock.
	Available bool `json:"available"`
	// Price is the variant's price.
	Price float64 `json:"price"`
}

// Product is a product type with its variants indexed by item id (tau2's Product).
type Product struct {
	// Name is the product type's name.
	Name string `json:"name"`
	// ProductID is the product's unique id.
	ProductID string `json:"product_id"`
	// Variants are the product's items, indexed by item id.
	Variants pyjson.OrderedMap[Variant] `json:"variants"`
}

// UserName is a user's full name.
type UserName struct {
	// FirstName is the user's first name.
	FirstName string `json:"first_name"`
	// LastName is the user's last name.
	LastName string `json:"last_name"`
}

// UserAddress is a postal address (a user's default address or an order's
// shipping address).
type UserAddress struct {
	// Address1 is the primary address line.
	Address1 string `json:"address1"`
	// Address2 is the secondary address line (may be empty).
	Address2 string `json:"address2"`
	// City is the city name.
	City string `json:"city"`
	// Country is the country name.
	Country string `json:"country"`
	// State is the state or province.
	State string `json:"state"`
	// Zip is the postal code.
	Zip string `json:"zip"`
}

// User is a customer with personal information, payment methods indexed by
// id, and order ids (tau2's User).
type User struct {
	// UserID is the user's unique id.
	UserID string `json:"user_id"`
	// Name is the user's full name.
	Name UserName `json:"name"`
	// Address is the user's default address.
	Address UserAddress `json:"address"`
	// Email is the user's email address.
	Email string `json:"email"`
	// PaymentMethods are indexed by payment method id.
	PaymentMethods pyjson.OrderedMap[PaymentMethod] `json:"payment_methods"`
	// Orders are the ids of the user's orders.
	Orders []string `json:"orders"`
}

// OrderFulfillment lists the tracking ids and items of a shipment (tau2's
// OrderFullfilment).
type OrderFulfillment struct {
	// TrackingID lists the shipment's tracking ids.
	TrackingID []string `json:"tracking_id"`
	// ItemIDs lists the item ids shipped.
	ItemIDs []string `json:"item_ids"`
}

// OrderItem is one item of an order, priced at purchase time.
type OrderItem struct {
	// Name is the product's name.
	Name string `json:"name"`
	// ProductID is the product's id.
	ProductID string `json:"product_id"`
	// ItemID is the variant's id.
	ItemID string `json:"item_id"`
	// Price is the item's price at purchase time.
	Price float64 `json:"price"`
	// Options are the variant's options.
	Options pyjson.OrderedMap[string] `json:"options"`
}

// OrderPayment is a payment or refund transaction of an order.
type OrderPayment struct {
	// TransactionType is TransactionPayment or TransactionRefund.
	TransactionType string `json:"transaction_type"`
	// Amount is the transaction's amount.
	Amount float64 `json:"amount"`
	// PaymentMethodID is the payment method used.
	PaymentMethodID string `json:"payment_method_id"`
}

// Order is a customer order (tau2's Order). The optional fields are nil
// until a tool sets them and then dump as null, as pydantic does.
//
// ExchangePriceDifference is a json.Number because tau2 assigns it without
// validation: it is the rounded float price difference, except for an
// exchange of no items, where Python stores the int 0 (dumped as 0, not 0.0).
type Order struct {
	// OrderID is the order's unique id, such as "#W0000000".
	OrderID string `json:"order_id"`
	// UserID is the id of the user who placed the order.
	UserID string `json:"user_id"`
	// Address is the shipping address.
	Address UserAddress `json:"address"`
	// Items are the order's items (an item id may repeat).
	Items []OrderItem `json:"items"`
	// Status is one of the Status* constants.
	Status string `json:"status"`
	// Fulfillments are the order's shipments.
	Fulfillments []OrderFulfillment `json:"fulfillments"`
	// PaymentHistory lists payments and refunds in order.
	PaymentHistory []OrderPayment `json:"payment_history"`
	// CancelReason is "no longer needed" or "ordered by mistake" once cancelled.
	CancelReason *string `json:"cancel_reason"`
	// ExchangeItems are the sorted item ids to exchange.
	ExchangeItems *[]string `json:"exchange_items"`
	// ExchangeNewItems are the sorted item ids exchanged for.
	ExchangeNewItems *[]string `json:"exchange_new_items"`
	// ExchangePaymentMethodID pays or receives the exchange's price difference.
	ExchangePaymentMethodID *string `json:"exchange_payment_method_id"`
	// ExchangePriceDifference is the exchange's price difference.
	ExchangePriceDifference *json.Number `json:"exchange_price_difference"`
	// ReturnItems are the sorted item ids to return.
	ReturnItems *[]string `json:"return_items"`
	// ReturnPaymentMethodID receives the return's refund.
	ReturnPaymentMethodID *string `json:"return_payment_method_id"`
}
