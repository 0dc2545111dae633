import { teamMembers } from "./table.js";

/**
 * Who belongs to which team, for reports that group records by their owner's team (src/modules/reports): the users
 * module declares the table its reports read, as each module declares its condition fields.
 */
export const teamMembershipTable = teamMembers;
