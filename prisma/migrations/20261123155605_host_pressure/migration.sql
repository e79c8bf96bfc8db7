-- AlterTable
ALTER TABLE "machines" ADD COLUMN     "pressure_high_since" TIMESTAMPTZ(3),
ADD COLUMN     "pressure_idle_since" TIMESTAMPTZ(3);
