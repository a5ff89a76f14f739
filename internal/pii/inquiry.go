package pii

// InquiryPhone is the asker's phone of a first-inquiry record (首问登记):
// shown to the staff who call back, sealed at rest like the cases'.
var InquiryPhone = Column{"inquiries", "asker_phone", ""}

func init() { Columns = append(Columns, InquiryPhone) }
