package dev.localbricks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.spark.sql.catalyst.analysis.NamespaceAlreadyExistsException;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.analysis.NonEmptyNamespaceException;
import org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;
import org.apache.spark.sql.connector.catalog.Column;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.StagingTableCatalog;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableCatalogCapability;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * One Unity Catalog catalog, stored as folders: {@code <root>/<catalog>/<schema>/<table>} holds
 * a Delta table. Spark's session catalog has a single level of namespaces and keeps its metadata
 * in memory (or in a Derby metastore that one process at a time may open); Unity Catalog names are
 * three-level and outlive the session. So each catalog is registered with Spark as a plugin
 * ({@code spark.sql.catalog.<name>=dev.localbricks.LocalUnityCatalog}) and every table operation
 * is handed to Delta's own catalog as a path-based table ({@code delta.`/path`}): Delta does the
 * real work (transactions, MERGE, history, time travel, RESTORE), this class only maps names to
 * folders. Several kernels can share the workspace, since the folders are the only metadata.
 */
public class LocalUnityCatalog implements StagingTableCatalog, SupportsNamespaces {
  private String name;
  private Path catalogRoot;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
    String root = options.get("root");
    if (root == null) {
      throw new IllegalArgumentException(
          "spark.sql.catalog." + name + ".root must name the folder that holds the catalogs");
    }
    this.catalogRoot = Paths.get(root).resolve(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String[] defaultNamespace() {
    return new String[] {"default"};
  }

  // ---- where things live -------------------------------------------------------------------

  private TableCatalog delta() {
    CatalogPlugin session = org.apache.spark.sql.classic.SparkSession.active()
        .sessionState().catalogManager().v2SessionCatalog();
    return (TableCatalog) session;
  }

  private StagingTableCatalog stagingDelta() {
    TableCatalog catalog = delta();
    if (!(catalog instanceof StagingTableCatalog)) {
      throw new IllegalStateException(
          "Spark's session catalog is not Delta's: start Spark with "
              + "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog");
    }
    return (StagingTableCatalog) catalog;
  }

  private Path schemaDir(String[] namespace) {
    if (namespace.length != 1) {
      throw new IllegalArgumentException(
          "Unity Catalog names have three levels, catalog.schema.table; got the schema '"
              + String.join(".", namespace) + "' in catalog '" + name + "'");
    }
    return catalogRoot.resolve(namespace[0].toLowerCase());
  }

  private Path tableDir(Identifier ident) {
    return schemaDir(ident.namespace()).resolve(ident.name().toLowerCase());
  }

  /**
   * With this catalog as Spark's default, {@code delta.`/some/path`} arrives here as schema
   * "delta"; such path-based names go straight to Delta, as they would on Databricks.
   */
  private static boolean isPathBased(Identifier ident) {
    String[] ns = ident.namespace();
    return ns.length == 1 && ns[0].equalsIgnoreCase("delta")
        && (ident.name().startsWith("/") || ident.name().contains(":/"));
  }

  private Identifier pathIdentifier(Identifier ident) {
    if (isPathBased(ident)) {
      return ident;
    }
    return Identifier.of(new String[] {"delta"}, tableDir(ident).toUri().toString());
  }

  private static boolean isDeltaTable(Path dir) {
    return Files.isDirectory(dir.resolve("_delta_log"));
  }

  private String fullName(Identifier ident) {
    return name + "." + String.join(".", ident.namespace()) + "." + ident.name();
  }

  /** The identifier with this catalog's name in front, so errors show all three levels. */
  private Identifier qualified(Identifier ident) {
    String[] ns = new String[ident.namespace().length + 1];
    ns[0] = name;
    System.arraycopy(ident.namespace(), 0, ns, 1, ident.namespace().length);
    return Identifier.of(ns, ident.name());
  }

  private void requireSchema(Identifier ident) throws NoSuchNamespaceException {
    if (isPathBased(ident)) {
      return;
    }
    String[] ns = ident.namespace();
    if (!Files.isDirectory(schemaDir(ns))) {
      throw new NoSuchNamespaceException(new String[] {name, ns[0]});
    }
  }

  private void requireNewTable(Identifier ident)
      throws NoSuchNamespaceException, TableAlreadyExistsException {
    requireSchema(ident);
    if (tableExists(ident)) {
      throw new TableAlreadyExistsException(qualified(ident));
    }
  }

  private Map<String, String> deltaProperties(Map<String, String> properties, Identifier ident) {
    Map<String, String> props = new HashMap<>(properties);
    String provider = props.get(TableCatalog.PROP_PROVIDER);
    if (provider != null && !provider.equalsIgnoreCase("delta")) {
      throw new IllegalArgumentException(
          "Tables in Unity Catalog are Delta tables here; " + fullName(ident)
              + " was asked to use '" + provider + "'. Drop .format(...) or use format('delta').");
    }
    props.put(TableCatalog.PROP_PROVIDER, "delta");
    props.remove(TableCatalog.PROP_LOCATION);
    props.remove(TableCatalog.PROP_IS_MANAGED_LOCATION);
    return props;
  }

  // ---- tables ------------------------------------------------------------------------------

  @Override
  public Set<TableCatalogCapability> capabilities() {
    return delta().capabilities();
  }

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    Path dir = schemaDir(namespace);
    if (!Files.isDirectory(dir)) {
      throw new NoSuchNamespaceException(new String[] {name, namespace[0]});
    }
    List<Identifier> tables = new ArrayList<>();
    for (Path child : children(dir)) {
      if (isDeltaTable(child)) {
        tables.add(Identifier.of(namespace, child.getFileName().toString()));
      }
    }
    return tables.toArray(new Identifier[0]);
  }

  @Override
  public boolean tableExists(Identifier ident) {
    if (isPathBased(ident)) {
      return delta().tableExists(ident);
    }
    return ident.namespace().length == 1 && isDeltaTable(tableDir(ident));
  }

  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    if (!tableExists(ident)) {
      throw new NoSuchTableException(qualified(ident));
    }
    return delta().loadTable(pathIdentifier(ident));
  }

  @Override
  public Table loadTable(Identifier ident, String version) throws NoSuchTableException {
    loadTable(ident);
    return delta().loadTable(pathIdentifier(ident), version);
  }

  @Override
  public Table loadTable(Identifier ident, long timestamp) throws NoSuchTableException {
    loadTable(ident);
    return delta().loadTable(pathIdentifier(ident), timestamp);
  }

  @Override
  public void invalidateTable(Identifier ident) {
    delta().invalidateTable(pathIdentifier(ident));
  }

  @Override
  public Table createTable(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> properties) throws TableAlreadyExistsException, NoSuchNamespaceException {
    requireNewTable(ident);
    return delta().createTable(pathIdentifier(ident), columns, partitions, deltaProperties(properties, ident));
  }

  @Override
  @SuppressWarnings("deprecation")
  public Table createTable(Identifier ident, org.apache.spark.sql.types.StructType schema,
      Transform[] partitions, Map<String, String> properties)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return createTable(ident, org.apache.spark.sql.connector.catalog.CatalogV2Util.structTypeToV2Columns(schema),
        partitions, properties);
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) throws NoSuchTableException {
    loadTable(ident);
    return delta().alterTable(pathIdentifier(ident), changes);
  }

  @Override
  public boolean dropTable(Identifier ident) {
    if (isPathBased(ident)) {
      return delta().dropTable(ident);
    }
    Path dir = tableDir(ident);
    if (!isDeltaTable(dir)) {
      return false;
    }
    deleteRecursively(dir);
    return true;
  }

  @Override
  public boolean purgeTable(Identifier ident) {
    return dropTable(ident);
  }

  @Override
  public void renameTable(Identifier oldIdent, Identifier newIdent)
      throws NoSuchTableException, TableAlreadyExistsException {
    loadTable(oldIdent);
    Identifier target = newIdent.namespace().length == 0
        ? Identifier.of(oldIdent.namespace(), newIdent.name()) : newIdent;
    if (tableExists(target)) {
      throw new TableAlreadyExistsException(qualified(target));
    }
    try {
      Files.createDirectories(tableDir(target).getParent());
      Files.move(tableDir(oldIdent), tableDir(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- atomic create/replace: keeps Delta history across saveAsTable(mode="overwrite") ------

  @Override
  public StagedTable stageCreate(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> properties) throws TableAlreadyExistsException, NoSuchNamespaceException {
    requireNewTable(ident);
    return stagingDelta().stageCreate(pathIdentifier(ident), columns, partitions, deltaProperties(properties, ident));
  }

  @Override
  public StagedTable stageReplace(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> properties) throws NoSuchNamespaceException, NoSuchTableException {
    loadTable(ident);
    return stagingDelta().stageReplace(pathIdentifier(ident), columns, partitions, deltaProperties(properties, ident));
  }

  @Override
  public StagedTable stageCreateOrReplace(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> properties) throws NoSuchNamespaceException {
    requireSchema(ident);
    return stagingDelta().stageCreateOrReplace(pathIdentifier(ident), columns, partitions,
        deltaProperties(properties, ident));
  }

  // ---- schemas -----------------------------------------------------------------------------

  @Override
  public String[][] listNamespaces() {
    List<String[]> schemas = new ArrayList<>();
    if (Files.isDirectory(catalogRoot)) {
      for (Path child : children(catalogRoot)) {
        if (Files.isDirectory(child) && !child.getFileName().toString().startsWith(".")) {
          schemas.add(new String[] {child.getFileName().toString()});
        }
      }
    }
    return schemas.toArray(new String[0][]);
  }

  @Override
  public String[][] listNamespaces(String[] namespace) throws NoSuchNamespaceException {
    if (namespace.length == 0) {
      return listNamespaces();
    }
    if (!namespaceExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    return new String[0][];
  }

  @Override
  public boolean namespaceExists(String[] namespace) {
    return namespace.length == 1 && Files.isDirectory(schemaDir(namespace));
  }

  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace) throws NoSuchNamespaceException {
    if (!namespaceExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    Map<String, String> metadata = new HashMap<>();
    metadata.put(SupportsNamespaces.PROP_LOCATION, schemaDir(namespace).toUri().toString());
    return metadata;
  }

  @Override
  public void createNamespace(String[] namespace, Map<String, String> metadata)
      throws NamespaceAlreadyExistsException {
    Path dir = schemaDir(namespace);
    if (Files.isDirectory(dir)) {
      throw new NamespaceAlreadyExistsException(new String[] {name, namespace[0]});
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void alterNamespace(String[] namespace, NamespaceChange... changes) throws NoSuchNamespaceException {
    if (!namespaceExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
  }

  @Override
  public boolean dropNamespace(String[] namespace, boolean cascade)
      throws NoSuchNamespaceException, NonEmptyNamespaceException {
    if (!namespaceExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    Path dir = schemaDir(namespace);
    if (!cascade && children(dir).size() > 0) {
      throw new NonEmptyNamespaceException(new String[] {name, namespace[0]});
    }
    deleteRecursively(dir);
    return true;
  }

  // ---- file helpers ------------------------------------------------------------------------

  private static List<Path> children(Path dir) {
    List<Path> result = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(result::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    result.sort(Comparator.naturalOrder());
    return result;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
