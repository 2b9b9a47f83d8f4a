package ovio

// The io_uring engine's naming of its entries, for the fault tests.

// UserData is the user_data of generation gen of the op at index idx.
func UserData(idx, gen uint32) uint64 { return userData(idx, gen) }

// The user_data of ovio's own entries.
const (
	UserDataCancel      = udInternal<<32 | udCancel
	UserDataLinkTimeout = udInternal<<32 | udLinkTimeout
	UserDataWake        = udInternal<<32 | udWake
	UserDataInternalIdx = udInternal
)
