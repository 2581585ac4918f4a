module example.com/deadlock-mutex

go 1.19
