module example.com/leak-timeout

go 1.19
