import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * Creates (or updates) one user's SCRAM-SHA-256 and SCRAM-SHA-512 credentials through the Admin API, for
 * broker.sh's SASL_SSL test listener. KRaft keeps SCRAM credentials in the metadata log, so they can be set
 * on a running broker whatever its data folder held; the Kafka jars on Maven Central have no kafka-configs
 * tool, hence this file, run by `java` in source-file mode (no javac step).
 *
 *   java -cp 'libs/*' ScramUsers.java 127.0.0.1:9092 user    (password in $SCRAM_PASSWORD, not on the command line)
 */
public class ScramUsers {
  public static void main(String[] args) throws Exception {
    String password = System.getenv("SCRAM_PASSWORD");
    if (args.length != 2 || password == null || password.isEmpty()) {
      System.err.println("usage: SCRAM_PASSWORD=... java ScramUsers.java <bootstrap host:port> <user>");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    try (Admin admin = Admin.create(props)) {
      // One request per mechanism: the broker refuses two alterations of one user in a request.
      // 4096 iterations: Kafka's minimum; a test broker's users need no more.
      for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(args[1], new ScramCredentialInfo(mechanism, 4096), password))).all().get();
      }
    }
  }
}
