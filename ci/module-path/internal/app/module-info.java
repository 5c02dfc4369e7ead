// A user's module: it reads dev.weft and nothing else of Weft's.
module app {
    requires dev.weft;
}
