module kadapter-consumer

go 1.19
