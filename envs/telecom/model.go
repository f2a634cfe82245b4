package telecom

// Record types of the agent database (tau2's TelecomDB). Field order and
// JSON names follow the pydantic models, so pyjson renders them as
// model_dump() + json.dumps(default=str) does: dates as "YYYY-MM-DD",
// datetimes as str(datetime), "YYYY-MM-DD HH:MM:SS".

// Address is a customer's billing address.
type Address struct {
	Street  string `json:"street"`
	City    string `json:"city"`
	State   string `json:"state"`
	ZipCode string `json:"zip_code"`
}

// Plan is a service plan.
type Plan struct {
	PlanID                  string  `json:"plan_id"`
	Name                    string  `json:"name"`
	DataLimitGB             float64 `json:"data_limit_gb"`
	PricePerMonth           float64 `json:"price_per_month"`
	DataRefuelingPricePerGB float64 `json:"data_refueling_price_per_gb"`
}

// DeviceType is tau2's DeviceType enum.
type DeviceType string

// Device is a customer device.
type Device struct {
	DeviceID      string     `json:"device_id"`
	DeviceType    DeviceType `json:"device_type"`
	Model         string     `json:"model"`
	IMEI          *string    `json:"imei"`
	IsESIMCapable bool       `json:"is_esim_capable"`
	Activated     bool       `json:"activated"`
	// ActivationDate and LastESIMTransferDate are datetimes in str() form.
	ActivationDate       *string `json:"activation_date"`
	LastESIMTransferDate *string `json:"last_esim_transfer_date"`
}

// LineStatus is tau2's LineStatus enum.
type LineStatus string

// Line statuses.
const (
	LineActive            LineStatus = "Active"
	LineSuspended         LineStatus = "Suspended"
	LinePendingActivation LineStatus = "Pending Activation"
	LineClosed            LineStatus = "Closed"
)

// Line is a phone/data line.
type Line struct {
	LineID      string     `json:"line_id"`
	PhoneNumber string     `json:"phone_number"`
	Status      LineStatus `json:"status"`
	PlanID      string     `json:"plan_id"`
	DeviceID    *string    `json:"device_id"`
	// DataUsedGB is a Number because set_data_usage stores its argument
	// unvalidated (an int stays an int).
	DataUsedGB             Number  `json:"data_used_gb"`
	DataRefuelingGB        float64 `json:"data_refueling_gb"`
	RoamingEnabled         bool    `json:"roaming_enabled"`
	ContractEndDate        *string `json:"contract_end_date"`
	LastPlanChangeDate     *string `json:"last_plan_change_date"`
	LastSIMReplacementDate *string `json:"last_sim_replacement_date"`
	SuspensionStartDate    *string `json:"suspension_start_date"`
}

// LineItem is one charge or credit on a bill.
type LineItem struct {
	Description string  `json:"description"`
	Amount      float64 `json:"amount"`
	Date        string  `json:"date"`
	ItemType    string  `json:"item_type"`
}

// BillStatus is tau2's BillStatus enum.
type BillStatus string

// Bill statuses.
const (
	BillDraft           BillStatus = "Draft"
	BillIssued          BillStatus = "Issued"
	BillAwaitingPayment BillStatus = "Awaiting Payment"
	BillPaid            BillStatus = "Paid"
	BillOverdue         BillStatus = "Overdue"
	BillDisputed        BillStatus = "Disputed"
)

// Bill is a customer bill.
type Bill struct {
	BillID      string     `json:"bill_id"`
	CustomerID  string     `json:"customer_id"`
	PeriodStart string     `json:"period_start"`
	PeriodEnd   string     `json:"period_end"`
	IssueDate   string     `json:"issue_date"`
	TotalDue    float64    `json:"total_due"`
	DueDate     string     `json:"due_date"`
	LineItems   []LineItem `json:"line_items"`
	Status      BillStatus `json:"status"`
}

// PaymentMethod is a stored payment method.
type PaymentMethod struct {
	MethodType         string `json:"method_type"`
	AccountNumberLast4 string `json:"account_number_last_4"`
	ExpirationDate     string `json:"expiration_date"`
}

// Customer is a customer account.
type Customer struct {
	CustomerID     string          `json:"customer_id"`
	FullName       string          `json:"full_name"`
	DateOfBirth    string          `json:"date_of_birth"`
	Email          string          `json:"email"`
	PhoneNumber    string          `json:"phone_number"`
	Address        Address         `json:"address"`
	AccountStatus  string          `json:"account_status"`
	PaymentMethods []PaymentMethod `json:"payment_methods"`
	LineIDs        []string        `json:"line_ids"`
	BillIDs        []string        `json:"bill_ids"`
	// CreatedAt is a datetime in str() form (a date when defaulted).
	CreatedAt                  string  `json:"created_at"`
	LastExtensionDate          *string `json:"last_extension_date"`
	GoodwillCreditUsedThisYear float64 `json:"goodwill_credit_used_this_year"`
}
