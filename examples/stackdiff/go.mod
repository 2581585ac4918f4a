module example.com/stackdiff

go 1.19
