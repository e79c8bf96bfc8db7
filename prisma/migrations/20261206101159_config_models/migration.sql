-- Each distinct desired model is kept once, named by the sha256 of its jsonb text, and revisions point at it.
-- Existing revisions keep their models: the distinct ones move to config_models first.

-- CreateTable
CREATE TABLE "config_models" (
    "hash" CHAR(64) NOT NULL,
    "model" JSONB NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "config_models_pkey" PRIMARY KEY ("hash")
);

INSERT INTO "config_models" ("hash", "model")
SELECT DISTINCT ON (h) h, "model"
  FROM (SELECT encode(sha256(convert_to("model"::text, 'UTF8')), 'hex') AS h, "model" FROM "config_revisions") m
 ORDER BY h;

-- AlterTable
ALTER TABLE "config_revisions" ADD COLUMN "model_hash" CHAR(64);
UPDATE "config_revisions" SET "model_hash" = encode(sha256(convert_to("model"::text, 'UTF8')), 'hex');
ALTER TABLE "config_revisions" ALTER COLUMN "model_hash" SET NOT NULL,
DROP COLUMN "model";

-- AddForeignKey
ALTER TABLE "config_revisions" ADD CONSTRAINT "config_revisions_model_hash_fkey" FOREIGN KEY ("model_hash") REFERENCES "config_models"("hash") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateIndex
CREATE INDEX "config_revisions_model_hash_idx" ON "config_revisions"("model_hash");
