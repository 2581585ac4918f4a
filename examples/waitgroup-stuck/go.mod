module example.com/waitgroup-stuck

go 1.19
