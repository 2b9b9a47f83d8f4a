module github.com/ovio/ovio

go 1.26
