///usr/bin/env bash "$(dirname "$0")/../jbang" "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8
//DEPS org.junit:junit-bom:5.14.4@pom
//DEPS org.junit.jupiter:junit-jupiter
//DEPS org.junit.platform:junit-platform-launcher
//DEPS org.testcontainers:testcontainers:2.0.5
//DEPS com.google.code.gson:gson:2.11.0
//SOURCES ../lambda-sync.java
//SOURCES support/*.java
//SOURCES *Test.java

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The whole suite: {@code ./jbang tests/TestSuite.java [TestClass | TestClass#method ...]}.
 * Prints each failure as it happens and ends with the line "N passed, N failed, N skipped".
 */
public class TestSuite {
    public static void main(String... args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("lambda-sync.java"))) root = root.getParent();
        if (root == null) throw new IllegalStateException("run from inside the lambda-sync repo");
        System.setProperty("lambda.sync.root", root.toString());

        List<DiscoverySelector> selectors = new ArrayList<>();
        for (String a : args) selectors.add(a.contains("#") ? selectMethod(a) : selectClass(a));
        if (selectors.isEmpty()) {
            Path jar = Path.of(TestSuite.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            selectors.addAll(selectClasspathRoots(Set.of(jar)));
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();

        AtomicInteger passed = new AtomicInteger(), failed = new AtomicInteger(), skipped = new AtomicInteger();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) {
                    skipped.incrementAndGet();
                    System.out.println("SKIP " + id.getLegacyReportingName() + " (" + reason + ")");
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (id.isTest()) passed.incrementAndGet();
                    }
                    case ABORTED -> {
                        if (id.isTest()) skipped.incrementAndGet();
                        System.out.println("SKIP " + name(id) + " (" + result.getThrowable().map(Throwable::getMessage).orElse("") + ")");
                    }
                    case FAILED -> {
                        failed.incrementAndGet(); // a failed container (e.g. @BeforeAll) counts once
                        System.out.println("FAIL " + name(id));
                        result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                    }
                }
            }

            private String name(TestIdentifier id) {
                return id.getUniqueId().replaceAll("\\[[a-z-]+:", "[").replaceAll("^\\[engine\\]/", "");
            }
        };
        try {
            LauncherFactory.create().execute(request, listener);
        } finally {
            S3Server.stopIfStarted();
        }
        System.out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        System.exit(failed.get() == 0 && passed.get() > 0 ? 0 : 1);
    }
}
