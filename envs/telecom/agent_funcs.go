package telecom

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/eigendata/eigendata/envs"
)

// Non-tool methods of TelecomTools that tasks call by name: scenario setup
// ("break tools") and assertions.

type dataUsageArgs struct {
	CustomerID string `json:"customer_id"`
	LineID     string `json:"line_id"`
	DataUsedGB Number `json:"data_used_gb"`
}

type overdueArgs struct {
	CustomerID    string `json:"customer_id"`
	LineID        string `json:"line_id"`
	NewBillID     string `json:"new_bill_id"`
	ContractEnded bool   `json:"contract_ended"`
}

type refuelAmountArgs struct {
	CustomerID     string `json:"customer_id"`
	LineID         string `json:"line_id"`
	ExpectedAmount Number `json:"expected_amount"`
}

type lineStatusArgs struct {
	CustomerID     string `json:"customer_id"`
	LineID         string `json:"line_id"`
	ExpectedStatus string `json:"expected_status"`
}

type overdueBillArgs struct {
	CustomerID    string `json:"customer_id"`
	OverdueBillID string `json:"overdue_bill_id"`
}

type noOverdueArgs struct {
	OverdueBillID string `json:"overdue_bill_id"`
}

type noArgs struct{}

// agentFuncs returns the agent-side functions and their signatures.
func agentFuncs() (map[string]envs.Func, map[string]envs.Signature) {
	funcs := map[string]envs.Func{
		"get_available_plan_ids":        envs.Bind(getAvailablePlanIDs),
		"set_data_usage":                envs.Bind(setDataUsage),
		"suspend_line_for_overdue_bill": envs.Bind(suspendLineForOverdueBill),
		"assert_data_refueling_amount":  envs.Bind(assertDataRefuelingAmount),
		"assert_line_status":            envs.Bind(assertLineStatus),
		"assert_overdue_bill_exists":    envs.Bind(assertOverdueBillExists),
		"assert_no_overdue_bill":        envs.Bind(assertNoOverdueBill),
	}
	sigs := map[string]envs.Signature{
		"get_available_plan_ids":        sig(),
		"set_data_usage":                sig("customer_id", "line_id", "data_used_gb"),
		"suspend_line_for_overdue_bill": sig("customer_id", "line_id", "new_bill_id", "contract_ended"),
		"assert_data_refueling_amount":  sig("customer_id", "line_id", "expected_amount"),
		"assert_line_status":            sig("customer_id", "line_id", "expected_status"),
		"assert_overdue_bill_exists":    sig("customer_id", "overdue_bill_id"),
		"assert_no_overdue_bill":        sig("overdue_bill_id"),
	}
	return funcs, sigs
}

// sig declares required parameters; optional ones follow a "?" marker.
func sig(params ...string) envs.Signature {
	s := envs.Signature{Params: []string{}, Required: []string{}}
	optional := false
	for _, p := range params {
		if p == "?" {
			optional = true
			continue
		}
		s.Params = append(s.Params, p)
		if !optional {
			s.Required = append(s.Required, p)
		}
	}
	return s
}

func getAvailablePlanIDs(s *State, _ noArgs) (any, error) {
	ids := []string{}
	for _, p := range s.DB.Plans.All() {
		ids = append(ids, p.PlanID)
	}
	return ids, nil
}

func setDataUsage(s *State, a dataUsageArgs) (any, error) {
	if _, err := s.targetLine(a.CustomerID, a.LineID); err != nil {
		return nil, err
	}
	if !a.DataUsedGB.IsNumber() {
		// tau2 would store the value and fail in the next sync's comparison.
		return nil, compareTypeError(">=", a.DataUsedGB.PyType(), "float")
	}
	s.mutLine(a.LineID).DataUsedGB = a.DataUsedGB
	return fmt.Sprintf("Data usage set to %s GB for line %s", a.DataUsedGB, a.LineID), nil
}

func suspendLineForOverdueBill(s *State, a overdueArgs) (any, error) {
	line, err := s.lineByID(a.LineID)
	if err != nil {
		return nil, err
	}
	if line.Status != LineActive {
		return nil, errors.New("Line must be active to suspend for unpaid bill")
	}
	plan, err := s.planByID(line.PlanID)
	if err != nil {
		return nil, err
	}
	amount := plan.PricePerMonth
	if amount <= 0 {
		return nil, errors.New("Amount must be positive for overdue bill")
	}
	c, err := s.customerByID(a.CustomerID)
	if err != nil {
		return nil, err
	}
	for _, id := range c.BillIDs {
		b, err := s.billByID(id)
		if err != nil {
			return nil, err
		}
		if b.Status == BillOverdue {
			return nil, errors.New("Customer already has an overdue bill")
		}
	}
	lastOfPrev := firstOfMonth(today()).AddDate(0, 0, -1)
	firstOfPrev := firstOfMonth(lastOfPrev)
	itemType := "Charge"
	if amount <= 0 {
		itemType = "Credit"
	}
	insert(&s.DB.Bills, a.NewBillID, Bill{
		BillID:      a.NewBillID,
		CustomerID:  a.CustomerID,
		PeriodStart: isoDate(firstOfPrev),
		PeriodEnd:   isoDate(lastOfPrev),
		IssueDate:   isoDate(firstOfPrev),
		TotalDue:    0 + amount,
		DueDate:     isoDate(firstOfPrev.AddDate(0, 0, 14)),
		LineItems:   []LineItem{{Description: "Charge for line " + line.LineID, Amount: amount, Date: isoDate(today()), ItemType: itemType}},
		Status:      BillOverdue,
	})
	mc := s.mutCustomer(a.CustomerID)
	mc.BillIDs = append(mc.BillIDs, a.NewBillID)
	ml := s.mutLine(a.LineID)
	ml.Status = LineSuspended
	ml.SuspensionStartDate = ptr(isoDate(today()))
	if a.ContractEnded {
		ml.ContractEndDate = ptr(isoDate(lastOfPrev))
	}
	return fmt.Sprintf("Line %s suspended for unpaid bill %s. Contract ended: %s", a.LineID, a.NewBillID, pyBool(a.ContractEnded)), nil
}

func assertDataRefuelingAmount(s *State, a refuelAmountArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	if !a.ExpectedAmount.IsNumber() {
		return nil, fmt.Errorf("unsupported operand type(s) for -: 'float' and '%s'", a.ExpectedAmount.PyType())
	}
	return math.Abs(l.DataRefuelingGB-a.ExpectedAmount.V) < 1e-6, nil
}

func assertLineStatus(s *State, a lineStatusArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	return string(l.Status) == a.ExpectedStatus, nil
}

func assertOverdueBillExists(s *State, a overdueBillArgs) (any, error) {
	c, err := s.customerByID(a.CustomerID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.BillIDs, a.OverdueBillID) {
		return nil, fmt.Errorf("Overdue bill %s not found", a.OverdueBillID)
	}
	b, err := s.billByID(a.OverdueBillID)
	if err != nil {
		return nil, err
	}
	if b.Status != BillOverdue {
		return nil, fmt.Errorf("Overdue bill %s is not overdue", a.OverdueBillID)
	}
	return true, nil
}

func assertNoOverdueBill(s *State, a noOverdueArgs) (any, error) {
	b, err := s.billByID(a.OverdueBillID)
	if err != nil {
		return true, nil // not in the database
	}
	return b.Status == BillPaid, nil
}

// pyBool is Python's str(bool).
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
