module example.com/heap

go 1.19
