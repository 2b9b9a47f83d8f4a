package ovio

// UserDataKick is the user_data of the single-issuer mode's read of its eventfd, for the fault
// tests.
const UserDataKick = udInternal<<32 | udKick
