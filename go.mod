module agora

go 1.26
