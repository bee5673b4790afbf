// Nothing to import: the target only defines arc4random(3) and arc4random_buf(3) for the linker (arc4random.c).
