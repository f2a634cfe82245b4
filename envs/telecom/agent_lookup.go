package telecom

import (
	"fmt"
	"slices"
	"time"
)

// Lookup helpers of TelecomTools. Returned pointers are read-only (records
// may be shared with clones); use the tables' Mut to change a record.

// today is tau2's fixed get_today(): 2025-02-25.
func today() time.Time { return time.Date(2025, time.February, 25, 0, 0, 0, 0, time.UTC) }

// isoDate formats a date as Python's str(date).
func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

// firstOfMonth is date.replace(day=1).
func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func (s *State) customerByID(id string) (*Customer, error) {
	if c, ok := s.DB.Customers.Get(id); ok {
		return c, nil
	}
	return nil, fmt.Errorf("Customer with ID %s not found", id)
}

// customerByPhone is get_customer_by_phone: the first customer whose contact
// number, or one of whose lines' numbers, matches; a dangling line id raises.
func (s *State) customerByPhone(phone string) (*Customer, error) {
	for _, c := range s.DB.Customers.All() {
		if c.PhoneNumber == phone {
			return c, nil
		}
		for _, lid := range c.LineIDs {
			l, err := s.lineByID(lid)
			if err != nil {
				return nil, err
			}
			if l.PhoneNumber == phone {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("Customer with phone number %s not found", phone)
}

func (s *State) lineByID(id string) (*Line, error) {
	if l, ok := s.DB.Lines.Get(id); ok {
		return l, nil
	}
	return nil, fmt.Errorf("Line with ID %s not found", id)
}

// lineByPhone is _get_line_by_phone.
func (s *State) lineByPhone(phone string) (*Line, error) {
	for _, l := range s.DB.Lines.All() {
		if l.PhoneNumber == phone {
			return l, nil
		}
	}
	return nil, fmt.Errorf("Line with phone number %s not found", phone)
}

func (s *State) planByID(id string) (*Plan, error) {
	if p, ok := s.DB.Plans.Get(id); ok {
		return p, nil
	}
	return nil, fmt.Errorf("Plan with ID %s not found", id)
}

func (s *State) deviceByID(id string) (*Device, error) {
	if d, ok := s.DB.Devices.Get(id); ok {
		return d, nil
	}
	return nil, fmt.Errorf("Device with ID %s not found", id)
}

func (s *State) billByID(id string) (*Bill, error) {
	if b, ok := s.DB.Bills.Get(id); ok {
		return b, nil
	}
	return nil, fmt.Errorf("Bill with ID %s not found", id)
}

// targetLine is _get_target_line: the customer must exist and own the line.
func (s *State) targetLine(customerID, lineID string) (*Line, error) {
	c, err := s.customerByID(customerID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.LineIDs, lineID) {
		return nil, fmt.Errorf("Line %s not found for customer %s", lineID, customerID)
	}
	return s.lineByID(lineID)
}

// mutLine returns a writable line (which must exist).
func (s *State) mutLine(id string) *Line {
	l, ok := s.DB.Lines.Mut(id)
	if !ok {
		panic("telecom: line " + id + " vanished")
	}
	return l
}

// mutBill returns a writable bill (which must exist).
func (s *State) mutBill(id string) *Bill {
	b, ok := s.DB.Bills.Mut(id)
	if !ok {
		panic("telecom: bill " + id + " vanished")
	}
	return b
}

// mutCustomer returns a writable customer (which must exist).
func (s *State) mutCustomer(id string) *Customer {
	c, ok := s.DB.Customers.Mut(id)
	if !ok {
		panic("telecom: customer " + id + " vanished")
	}
	return c
}

// billsAwaitingPayment is _get_bills_awaiting_payment, in bill_ids order.
func (s *State) billsAwaitingPayment(c *Customer) ([]*Bill, error) {
	var out []*Bill
	for _, id := range c.BillIDs {
		b, err := s.billByID(id)
		if err != nil {
			return nil, err
		}
		if b.Status == BillAwaitingPayment {
			out = append(out, b)
		}
	}
	return out, nil
}

// setBillToPaid is _set_bill_to_paid.
func (s *State) setBillToPaid(id string) error {
	if _, err := s.billByID(id); err != nil {
		return err
	}
	s.mutBill(id).Status = BillPaid
	return nil
}
