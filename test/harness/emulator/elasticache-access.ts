// ElastiCache's role-based access control as the API reference describes it: users and user groups.
// moto 5 has users but no user groups, and takes a password-less Valkey user that AWS refuses, so
// the harness serves both. Every refusal below is one the action's reference page lists.
import { answer, listParam, QueryError, xmlList, type QueryAnswer, type QueryParams } from "./query-protocol.js";
import { arnOf, type Tags } from "./elasticache-tags.js";

interface User {
  id: string;
  name: string;
  engine: string;
  accessString: string;
  authentication: "password" | "no-password-required" | "iam";
  passwordCount: number;
}

interface UserGroup {
  id: string;
  engine: string;
  userIds: string[];
}

const engines = ["valkey", "redis"];

export class AccessControl {
  readonly users = new Map<string, User>();
  readonly userGroups = new Map<string, UserGroup>();
  /** user group id -> the replication groups that use it (ModifyReplicationGroup and CreateReplicationGroup link them). */
  readonly usedBy = new Map<string, Set<string>>();

  constructor(private readonly tags: Tags) {}

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateUser.html */
  createUser(params: QueryParams): QueryAnswer {
    const id = required(params, "UserId");
    const engine = required(params, "Engine").toLowerCase();
    if (!engines.includes(engine)) throw new QueryError("InvalidParameterValue", `Engine ${engine} is not supported for users`);
    if (this.users.has(id)) throw new QueryError("UserAlreadyExists", `User ${id} already exists.`);
    const passwords = [...listParam(params, "Passwords"), ...listParam(params, "AuthenticationMode.Passwords")];
    const mode = params.get("AuthenticationMode.Type");
    const noPassword = params.get("NoPasswordRequired") === "true" || mode === "no-password-required";
    // What real applies met (issue 36): on Valkey every user needs a password or IAM, even a disabled one.
    if (noPassword && engine === "valkey")
      throw new QueryError("InvalidParameterCombination", "No-password-required is not allowed for a user with engine Valkey");
    if (noPassword && passwords.length) throw new QueryError("InvalidParameterCombination", "Passwords cannot be provided when NoPasswordRequired is true");
    if (!noPassword && mode !== "iam" && passwords.length === 0)
      throw new QueryError(
        "InvalidParameterCombination",
        "At least one password is required unless NoPasswordRequired is true or the authentication mode is iam",
      );
    if (passwords.length > 2) throw new QueryError("InvalidParameterValue", "A user can have at most 2 passwords");
    const short = passwords.find((p) => p.length < 16 || p.length > 128);
    if (short !== undefined) throw new QueryError("InvalidParameterValue", "Passwords must be between 16 and 128 characters long");
    const user: User = {
      id,
      name: required(params, "UserName"),
      engine,
      accessString: required(params, "AccessString"),
      authentication: noPassword ? "no-password-required" : mode === "iam" ? "iam" : "password",
      passwordCount: passwords.length,
    };
    this.users.set(id, user);
    this.tags.create(arnOf("user", id), params);
    return answer("CreateUser", this.userShape(user));
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeUsers.html */
  describeUsers(params: QueryParams): QueryAnswer {
    const id = params.get("UserId");
    const users = id ? [this.user(id)] : [...this.users.values()];
    return answer("DescribeUsers", {
      Users: xmlList(
        "member",
        users.map((u) => this.userShape(u)),
      ),
    });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteUser.html */
  deleteUser(params: QueryParams): QueryAnswer {
    const user = this.user(required(params, "UserId"));
    if (user.name === "default" && this.groupsOf(user.id).length)
      throw new QueryError("DefaultUserAssociatedToUserGroup", `User ${user.id} is the default user of user group ${this.groupsOf(user.id).join(", ")}.`);
    this.users.delete(user.id);
    this.tags.delete(arnOf("user", user.id));
    return answer("DeleteUser", { ...this.userShape(user), Status: "deleting" });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateUserGroup.html */
  createUserGroup(params: QueryParams): QueryAnswer {
    const id = required(params, "UserGroupId").toLowerCase();
    const engine = required(params, "Engine").toLowerCase();
    if (!engines.includes(engine)) throw new QueryError("InvalidParameterValue", `Engine ${engine} is not supported for user groups`);
    if (this.userGroups.has(id)) throw new QueryError("UserGroupAlreadyExists", `User group ${id} already exists.`);
    const userIds = listParam(params, "UserIds");
    const members = userIds.map((userId) => this.user(userId));
    const names = members.map((u) => u.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new QueryError("DuplicateUserName", `User name ${duplicate} appears twice in user group ${id}.`);
    if (!names.includes("default")) throw new QueryError("DefaultUserRequired", "You must add default user to a user group.");
    const other = members.find((u) => u.engine !== engine);
    if (other) throw new QueryError("InvalidParameterCombination", `User ${other.id} has engine ${other.engine}, the user group ${engine}.`);
    const group = { id, engine, userIds };
    this.userGroups.set(id, group);
    this.tags.create(arnOf("usergroup", id), params);
    return answer("CreateUserGroup", this.groupShape(group));
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeUserGroups.html */
  describeUserGroups(params: QueryParams): QueryAnswer {
    const id = params.get("UserGroupId");
    const groups = id ? [this.userGroup(id)] : [...this.userGroups.values()];
    return answer("DescribeUserGroups", {
      UserGroups: xmlList(
        "member",
        groups.map((g) => this.groupShape(g)),
      ),
    });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteUserGroup.html */
  deleteUserGroup(params: QueryParams): QueryAnswer {
    const group = this.userGroup(required(params, "UserGroupId"));
    const users = [...(this.usedBy.get(group.id) ?? [])];
    if (users.length) throw new QueryError("InvalidUserGroupState", `User group ${group.id} is in use by replication group ${users.join(", ")}.`);
    this.userGroups.delete(group.id);
    this.tags.delete(arnOf("usergroup", group.id));
    return answer("DeleteUserGroup", { ...this.groupShape(group), Status: "deleting" });
  }

  /** The user group a replication group names, refused as CreateReplicationGroup refuses a missing one. */
  userGroup(id: string): UserGroup {
    const group = this.userGroups.get(id.toLowerCase());
    if (!group) throw new QueryError("UserGroupNotFound", `User group ${id} not found.`, 404);
    return group;
  }

  private user(id: string): User {
    const user = this.users.get(id);
    if (!user) throw new QueryError("UserNotFound", `User ${id} not found.`, 404);
    return user;
  }

  private groupsOf(userId: string): string[] {
    return [...this.userGroups.values()].filter((g) => g.userIds.includes(userId)).map((g) => g.id);
  }

  private userShape(user: User) {
    return {
      UserId: user.id,
      UserName: user.name,
      Status: "active",
      Engine: user.engine,
      MinimumEngineVersion: user.engine === "valkey" ? "7.2" : "6.0",
      AccessString: user.accessString,
      UserGroupIds: xmlList("member", this.groupsOf(user.id)),
      Authentication: { Type: user.authentication, PasswordCount: user.passwordCount },
      ARN: arnOf("user", user.id),
    };
  }

  private groupShape(group: UserGroup) {
    return {
      UserGroupId: group.id,
      Status: "active",
      Engine: group.engine,
      UserIds: xmlList("member", group.userIds),
      MinimumEngineVersion: group.engine === "valkey" ? "7.2" : "6.0",
      ReplicationGroups: xmlList("member", [...(this.usedBy.get(group.id) ?? [])]),
      ARN: arnOf("usergroup", group.id),
    };
  }
}

export function required(params: QueryParams, name: string): string {
  const value = params.get(name);
  if (!value) throw new QueryError("MissingParameter", `The request must contain the parameter ${name}`);
  return value;
}
