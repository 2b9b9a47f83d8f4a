package iocp

import "testing"

func TestHRESULT(t *testing.T) {
	if got := uint32(HRESULTFromWin32(997)); got != 0x800703E5 {
		t.Errorf("HRESULT_FROM_WIN32(ERROR_IO_PENDING) = %#x, want 0x800703E5", got)
	}
	if HRESULTFromWin32(0) != 0 {
		t.Error("HRESULT_FROM_WIN32(0) is not S_OK")
	}
	for _, c := range []struct {
		hr   uint32
		code uint32
		ok   bool
	}{
		{0x800703E5, 997, true},
		{0x80070005, 5, true},     // E_ACCESSDENIED
		{0x8007016A, 0x16A, true}, // HRESULT_FROM_WIN32(ERROR_CLOUD_FILE_PROVIDER_NOT_RUNNING)
		{0x80004001, 0, false},    // E_NOTIMPL: FACILITY_NULL
		{0x00070005, 0, false},    // success severity
		{0, 0, false},
		{1, 0, false}, // S_FALSE
	} {
		code, ok := Win32FromHRESULT(int32(c.hr))
		if code != c.code || ok != c.ok {
			t.Errorf("Win32FromHRESULT(%#x) = %d, %v; want %d, %v", c.hr, code, ok, c.code, c.ok)
		}
		if c.ok && uint32(HRESULTFromWin32(code)) != c.hr {
			t.Errorf("HRESULTFromWin32(%d) = %#x, want %#x", code, uint32(HRESULTFromWin32(code)), c.hr)
		}
	}
}

func TestNTStatusSeverity(t *testing.T) {
	for _, c := range []struct {
		s                     uint32
		success, warning, err bool
	}{
		{StatusSuccess, true, false, false},
		{StatusPending, true, false, false},
		{StatusNotifyEnumDir, true, false, false},
		{0x40000000, true, false, false},
		{StatusBufferOverflow, false, true, false},
		{StatusCancelled, false, false, true},
		{0xFFFFFFFF, false, false, true},
	} {
		if NTSuccess(c.s) != c.success || NTWarning(c.s) != c.warning || NTError(c.s) != c.err {
			t.Errorf("%#x: success %v warning %v error %v; want %v %v %v", c.s,
				NTSuccess(c.s), NTWarning(c.s), NTError(c.s), c.success, c.warning, c.err)
		}
	}
}
