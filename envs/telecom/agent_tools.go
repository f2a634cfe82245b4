package telecom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/pyjson"
)

// Agent tools: tau2's TelecomTools, in declaration order.

type phoneArgs struct {
	PhoneNumber string `json:"phone_number"`
}

type customerArgs struct {
	CustomerID string `json:"customer_id"`
}

type nameArgs struct {
	FullName string `json:"full_name"`
	DOB      string `json:"dob"`
}

type idArgs struct {
	ID string `json:"id"`
}

type lineArgs struct {
	CustomerID string `json:"customer_id"`
	LineID     string `json:"line_id"`
}

type suspendArgs struct {
	CustomerID string `json:"customer_id"`
	LineID     string `json:"line_id"`
	Reason     string `json:"reason"`
}

type billsArgs struct {
	CustomerID string          `json:"customer_id"`
	Limit      json.RawMessage `json:"limit"`
}

type billArgs struct {
	CustomerID string `json:"customer_id"`
	BillID     string `json:"bill_id"`
}

type summaryArgs struct {
	Summary string `json:"summary"`
}

type refuelArgs struct {
	CustomerID string `json:"customer_id"`
	LineID     string `json:"line_id"`
	GBAmount   Number `json:"gb_amount"`
}

func agentTools() []*envs.Tool {
	return []*envs.Tool{
		envs.NewTool("get_customer_by_phone", envs.Read, descGetCustomerByPhone, paramsGetCustomerByPhone, envs.Bind(getCustomerByPhone)),
		envs.NewTool("get_customer_by_id", envs.Read, descGetCustomerByID, paramsGetCustomerByID, envs.Bind(getCustomerByID)),
		envs.NewTool("get_customer_by_name", envs.Read, descGetCustomerByName, paramsGetCustomerByName, envs.Bind(getCustomerByName)),
		envs.NewTool("get_details_by_id", envs.Read, descGetDetailsByID, paramsGetDetailsByID, envs.Bind(getDetailsByID)),
		envs.NewTool("suspend_line", envs.Write, descSuspendLine, paramsSuspendLine, envs.Bind(suspendLine)),
		envs.NewTool("resume_line", envs.Write, descResumeLine, paramsResumeLine, envs.Bind(resumeLine)),
		envs.NewTool("get_bills_for_customer", envs.Read, descGetBillsForCustomer, paramsGetBillsForCustomer, envs.Bind(getBillsForCustomer)),
		envs.NewTool("send_payment_request", envs.Write, descSendPaymentRequest, paramsSendPaymentRequest, envs.Bind(sendPaymentRequest)),
		envs.NewTool("get_data_usage", envs.Read, descGetDataUsage, paramsGetDataUsage, envs.Bind(getDataUsage)),
		envs.NewTool("enable_roaming", envs.Write, descEnableRoaming, paramsEnableRoaming, envs.Bind(enableRoaming)),
		envs.NewTool("disable_roaming", envs.Write, descDisableRoaming, paramsDisableRoaming, envs.Bind(disableRoaming)),
		envs.NewTool("transfer_to_human_agents", envs.Generic, descTransferToHumanAgents, paramsTransferToHumanAgents, envs.Bind(transferToHumanAgents)),
		envs.NewTool("refuel_data", envs.Write, descRefuelData, paramsRefuelData, envs.Bind(refuelData)),
	}
}

func getCustomerByPhone(s *State, a phoneArgs) (any, error) {
	c, err := s.customerByPhone(a.PhoneNumber)
	if err != nil {
		return nil, err
	}
	return *c, nil
}

func getCustomerByID(s *State, a customerArgs) (any, error) {
	c, err := s.customerByID(a.CustomerID)
	if err != nil {
		return nil, err
	}
	return *c, nil
}

func getCustomerByName(s *State, a nameArgs) (any, error) {
	out := []Customer{}
	want := strings.ToLower(a.FullName)
	for _, c := range s.DB.Customers.All() {
		if strings.ToLower(c.FullName) == want && c.DateOfBirth == a.DOB {
			out = append(out, *c)
		}
	}
	return out, nil
}

func getDetailsByID(s *State, a idArgs) (any, error) {
	id := a.ID
	switch {
	case strings.HasPrefix(id, "L"):
		l, err := s.lineByID(id)
		return deref(l, err)
	case strings.HasPrefix(id, "D"):
		d, err := s.deviceByID(id)
		return deref(d, err)
	case strings.HasPrefix(id, "B"):
		b, err := s.billByID(id)
		return deref(b, err)
	case strings.HasPrefix(id, "C"):
		c, err := s.customerByID(id)
		return deref(c, err)
	case strings.HasPrefix(id, "P"):
		p, err := s.planByID(id)
		return deref(p, err)
	}
	return nil, fmt.Errorf("Unknown ID format or type: %s", id)
}

// deref returns a copy of a found record as the tool result.
func deref[T any](v *T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return *v, nil
}

// lineResult is the {"message", "line"} dict suspend_line and resume_line return.
func lineResult(msg string, l *Line) pyjson.OrderedMap[any] {
	var m pyjson.OrderedMap[any]
	m.Set("message", msg)
	m.Set("line", *l)
	return m
}

func suspendLine(s *State, a suspendArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	if l.Status != LineActive {
		return nil, errors.New("Line must be active to suspend")
	}
	l = s.mutLine(a.LineID)
	l.Status = LineSuspended
	l.SuspensionStartDate = ptr(isoDate(today()))
	return lineResult("Line suspended successfully. $5/month holding fee will apply.", l), nil
}

func resumeLine(s *State, a lineArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	if l.Status != LineSuspended && l.Status != LinePendingActivation {
		return nil, errors.New("Line must be suspended to resume")
	}
	l = s.mutLine(a.LineID)
	l.Status = LineActive
	l.SuspensionStartDate = nil
	return lineResult("Line resumed successfully", l), nil
}

func getBillsForCustomer(s *State, a billsArgs) (any, error) {
	c, err := s.customerByID(a.CustomerID)
	if err != nil {
		return nil, err
	}
	bills := make([]Bill, 0, len(c.BillIDs))
	for _, id := range c.BillIDs {
		b, err := s.billByID(id)
		if err != nil {
			return nil, err
		}
		bills = append(bills, *b)
	}
	// sorted(..., reverse=True) is stable: equal dates keep bill_ids order.
	sort.SliceStable(bills, func(i, j int) bool { return bills[i].IssueDate > bills[j].IssueDate })
	end, err := sliceEnd(a.Limit, 12, len(bills))
	if err != nil {
		return nil, err
	}
	return bills[:end], nil
}

// sliceEnd is the end index of Python's seq[:limit] for a JSON limit
// argument (absent: def; null: no limit; negative: counted from the end).
func sliceEnd(raw json.RawMessage, def, n int) (int, error) {
	t := string(bytes.TrimSpace(raw))
	limit := int64(def)
	switch {
	case t == "":
	case t == "null":
		return n, nil
	case t == "true": // bool is an int subclass
		limit = 1
	case t == "false":
		limit = 0
	case t[0] == '-' || t[0] >= '0' && t[0] <= '9':
		if strings.ContainsAny(t, ".eE") {
			return 0, errors.New("slice indices must be integers or None or have an __index__ method")
		}
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil { // beyond int64: only the sign matters
			v = math.MaxInt64
			if t[0] == '-' {
				v = math.MinInt64
			}
		}
		limit = v
	default:
		return 0, errors.New("slice indices must be integers or None or have an __index__ method")
	}
	if limit < 0 {
		limit += int64(n)
	}
	return int(min(max(limit, 0), int64(n))), nil
}

func sendPaymentRequest(s *State, a billArgs) (any, error) {
	c, err := s.customerByID(a.CustomerID)
	if err != nil {
		return nil, err
	}
	awaiting, err := s.billsAwaitingPayment(c)
	if err != nil {
		return nil, err
	}
	if len(awaiting) != 0 {
		return nil, errors.New("A bill is already awaiting payment for this customer")
	}
	if !slices.Contains(c.BillIDs, a.BillID) {
		return nil, fmt.Errorf("Bill %s not found for customer %s", a.BillID, a.CustomerID)
	}
	if _, err := s.billByID(a.BillID); err != nil {
		return nil, err
	}
	b := s.mutBill(a.BillID)
	b.Status = BillAwaitingPayment
	return "Payment request sent to the customer for bill " + b.BillID, nil
}

// cycleEndDate is the last day of today's month.
func cycleEndDate() time.Time {
	return firstOfMonth(today()).AddDate(0, 1, 0).AddDate(0, 0, -1)
}

func getDataUsage(s *State, a lineArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	p, err := s.planByID(l.PlanID)
	if err != nil {
		return nil, err
	}
	// A dict result: tau2 turns its numbers into str() strings.
	var m pyjson.OrderedMap[any]
	m.Set("line_id", a.LineID)
	m.Set("data_used_gb", l.DataUsedGB.String())
	m.Set("data_limit_gb", p.DataLimitGB)
	m.Set("data_refueling_gb", l.DataRefuelingGB)
	m.Set("cycle_end_date", isoDate(cycleEndDate()))
	return m, nil
}

func enableRoaming(s *State, a lineArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	if l.RoamingEnabled {
		return "Roaming was already enabled", nil
	}
	s.mutLine(a.LineID).RoamingEnabled = true
	return "Roaming enabled successfully", nil
}

func disableRoaming(s *State, a lineArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	if !l.RoamingEnabled {
		return "Roaming was already disabled", nil
	}
	s.mutLine(a.LineID).RoamingEnabled = false
	return "Roaming disabled successfully", nil
}

func transferToHumanAgents(*State, summaryArgs) (any, error) {
	return "Transfer successful", nil
}

// compareTypeError is the TypeError Python raises comparing x <op> y.
func compareTypeError(op, x, y string) error {
	return fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", op, x, y)
}

func refuelData(s *State, a refuelArgs) (any, error) {
	l, err := s.targetLine(a.CustomerID, a.LineID)
	if err != nil {
		return nil, err
	}
	gb := a.GBAmount
	if !gb.IsNumber() {
		return nil, compareTypeError("<=", gb.PyType(), "int")
	}
	if gb.V <= 0 {
		return nil, errors.New("Refuel amount must be positive")
	}
	p, err := s.planByID(l.PlanID)
	if err != nil {
		return nil, err
	}
	charge := float64(gb.V * p.DataRefuelingPricePerGB)
	ml := s.mutLine(a.LineID)
	ml.DataRefuelingGB = float64(ml.DataRefuelingGB + gb.V)
	newRefuel := ml.DataRefuelingGB
	desc := fmt.Sprintf("Data refueling: %s GB at $%s/GB", gb, pyjson.FormatFloat(p.DataRefuelingPricePerGB))
	if err := s.applyOneTimeCharge(a.CustomerID, charge, desc); err != nil {
		return nil, err
	}
	var m pyjson.OrderedMap[any]
	m.Set("message", fmt.Sprintf("Successfully added %s GB of data for line %s for $%s", gb, a.LineID, strconv.FormatFloat(charge, 'f', 2, 64)))
	m.Set("new_data_refueling_gb", newRefuel)
	m.Set("charge", charge)
	return m, nil
}

// applyOneTimeCharge is _apply_one_time_charge: the amount goes on the
// customer's first draft bill, created for next month when there is none.
func (s *State) applyOneTimeCharge(customerID string, amount float64, description string) error {
	c, err := s.customerByID(customerID)
	if err != nil {
		return err
	}
	draftID := ""
	for _, id := range c.BillIDs {
		b, err := s.billByID(id)
		if err != nil {
			return err
		}
		if b.Status == BillDraft {
			draftID = id
			break
		}
	}
	if draftID == "" {
		next := firstOfMonth(firstOfMonth(today()).AddDate(0, 0, 32))
		draftID = s.newBillID(customerID)
		insert(&s.DB.Bills, draftID, Bill{
			BillID:      draftID,
			CustomerID:  customerID,
			PeriodStart: isoDate(next),
			PeriodEnd:   isoDate(next.AddDate(0, 1, 0).AddDate(0, 0, -1)),
			IssueDate:   isoDate(next),
			DueDate:     isoDate(next.AddDate(0, 0, 14)),
			LineItems:   []LineItem{},
			Status:      BillDraft,
		})
		mc := s.mutCustomer(customerID)
		mc.BillIDs = append(mc.BillIDs, draftID)
	}
	itemType := "Charge"
	if amount < 0 {
		itemType = "Credit"
	}
	b := s.mutBill(draftID)
	b.LineItems = append(b.LineItems, LineItem{Description: description, Amount: amount, Date: isoDate(today()), ItemType: itemType})
	b.TotalDue += amount
	return nil
}

// newBillID replaces tau2's random f"B{uuid4().hex[:8]}" with a
// deterministic id of the same shape, derived from the customer and the
// number of bills, so that replays and state hashes are reproducible.
func (s *State) newBillID(customerID string) string {
	for n := s.DB.Bills.Len(); ; n++ {
		sum := sha256.Sum256([]byte(customerID + "/" + strconv.Itoa(n)))
		id := "B" + hex.EncodeToString(sum[:4])
		if !s.DB.Bills.Has(id) {
			return id
		}
	}
}
