package dev.localbricks.pipelines;

import java.net.URI;

import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.catalog.CatalogStorageFormat;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;
import org.apache.spark.sql.types.StructType;

import dev.localbricks.LocalUnityCatalog;
import scala.Option;

/**
 * {@link LocalUnityCatalog} whose tables also accept streaming writes and reads by name.
 *
 * <p>Structured Streaming's {@code writeStream.toTable(name)} and {@code readStream.table(name)}
 * reach a Delta table through its catalog entry ({@code v1Table()}: provider and location), and
 * the path-based Delta table {@code LocalUnityCatalog} returns has none, so Delta refuses
 * ({@code DELTA_INVALID_V1_TABLE_CALL}). Spark Declarative Pipelines write every streaming table
 * that way. This class hands Delta the same table with an external catalog entry naming the
 * table's folder, which is what Delta gets from a metastore or from Unity Catalog.
 */
public class StreamingUnityCatalog extends LocalUnityCatalog {
  private static final scala.collection.immutable.Map<String, String> NO_PROPERTIES =
      scala.collection.immutable.Map$.MODULE$.empty();

  @Override
  @SuppressWarnings("unchecked")
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    Table table = super.loadTable(ident);
    if (!(table instanceof DeltaTableV2) || ident.namespace().length != 1) {
      return table;
    }
    DeltaTableV2 delta = (DeltaTableV2) table;
    if (delta.catalogTable().isDefined()) {
      return table;
    }
    String schema = ident.namespace()[0];
    URI location = delta.path().toUri();
    CatalogStorageFormat storage = new CatalogStorageFormat(Option.apply(location), Option.empty(),
        Option.empty(), Option.empty(), false, NO_PROPERTIES);
    TableIdentifier id = new TableIdentifier(ident.name(), Option.apply(schema), Option.apply(name()));
    CatalogTable entry = new CatalogTable(id, CatalogTableType.EXTERNAL(), storage, new StructType(),
        Option.apply("delta"), (scala.collection.immutable.Seq<String>) scala.collection.immutable.Seq$.MODULE$.empty(),
        Option.empty(), "", System.currentTimeMillis(), -1L, "", NO_PROPERTIES, Option.empty(),
        Option.empty(), Option.empty(), Option.empty(),
        (scala.collection.immutable.Seq<String>) scala.collection.immutable.Seq$.MODULE$.empty(),
        false, true, NO_PROPERTIES, Option.empty());
    return delta.copy(delta.spark(), delta.path(), Option.apply(entry),
        Option.apply(name() + "." + schema + "." + ident.name()), delta.timeTravelOpt(), delta.options());
  }
}
