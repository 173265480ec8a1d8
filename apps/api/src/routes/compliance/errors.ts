/** The HTTP problems of the compliance routes, and ComplianceError turned into them. */
import { ComplianceError } from "@vx/compliance";
import { ApiError, type ErrorMapping } from "../../route-kit.js";

export type ComplianceProblemCode = "invalid_consent";

export const COMPLIANCE_PROBLEMS: Record<ComplianceProblemCode, ErrorMapping> = {
  invalid_consent: { status: 422, title: "Consent change refused" },
};

/** Runs domain work, turning ComplianceError into a problem; other codes are bugs here (500). */
export async function domain<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ComplianceError)) throw error;
    if (error.code === "INVALID_CONSENT") throw new ApiError<ComplianceProblemCode>("invalid_consent", error.message);
    if (error.code === "INVALID_PAGE") throw new ApiError("invalid_cursor", "The cursor is not one this API issued");
    throw error;
  }
}
