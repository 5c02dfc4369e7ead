package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import dev.weft.jni.WeftJni;
import java.io.File;
import org.testng.annotations.Test;

public class VersionTest {

    @Test(timeOut = 30_000)
    public void versionIsMajorMinorPatch() {
        String v = Weft.version();
        assertTrue(v.matches("\\d+\\.\\d+\\.\\d+"), "version: " + v);
    }

    @Test(timeOut = 30_000)
    public void versionMatchesTheHeaderTheLibraryWasBuiltFrom() {
        int h = WeftJni.weft_jni_header_version(); // WEFT_VERSION_MAJOR*10000 + MINOR*100 + PATCH
        String fromHeader = (h / 10000) + "." + (h / 100 % 100) + "." + (h % 100);
        assertEquals(Weft.version(), fromHeader);
    }

    @Test(timeOut = 30_000)
    public void javaAndNativeAbiAgree() {
        assertEquals(WeftJni.weft_jni_abi_version(), WeftJni.WEFT_JNI_ABI_VERSION);
    }

    @Test(timeOut = 30_000)
    public void nativeLibraryWasLoadedFromAFile() {
        String lib = Weft.nativeLibrary();
        assertTrue(lib != null && new File(lib).isFile(), "native library: " + lib);
        assertTrue(new File(lib).getName().contains("jniWeftJni"), lib);
    }

    @Test(timeOut = 30_000)
    public void errorNamesAndTextsComeFromTheCore() {
        assertEquals(WeftJni.weft_jni_errname(WeftJni.WEFT_JNI_EBUSY), "WEFT_EBUSY");
        assertEquals(WeftJni.weft_jni_errname(-12345), "WEFT_E?");
        WeftException e = new WeftException("op", WeftJni.WEFT_JNI_EINVAL);
        assertEquals(e.code(), -1);
        assertEquals(e.codeName(), "WEFT_EINVAL");
        assertEquals(e.getMessage(), "op failed: WEFT_EINVAL (-1): invalid argument");
    }
}
