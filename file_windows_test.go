package ovio_test

const oDirectory = 0
