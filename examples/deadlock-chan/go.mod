module example.com/deadlock-chan

go 1.19
