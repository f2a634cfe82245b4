module github.com/eigendata/eigendata

go 1.26
